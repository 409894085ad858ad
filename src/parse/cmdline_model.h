/*
 * cmdline_model: the model an inference server was started with, read from its command
 * line, as vLLM, SGLang, llama.cpp and TGI take it. Pure: bytes in, a name out, no I/O.
 *
 * Only the model's name is returned, never anything else from the command line (which may
 * hold tokens, keys and paths). A local path is reduced to its last component; a Hugging
 * Face id ("Qwen/Qwen2.5-32B-Instruct-AWQ") is kept whole.
 */
#ifndef VIGIL_CMDLINE_MODEL_H
#define VIGIL_CMDLINE_MODEL_H

#include <stddef.h>

#define CMDLINE_MODEL_MAX 128 /* longest name returned, NUL not included */
#define CMDLINE_MAX_ARGS  256 /* arguments looked at; later ones are ignored */

/*
 * Finds the model in a command line as /proc/<pid>/cmdline gives it: arguments separated by
 * NUL bytes, the last NUL optional. A process that rewrote its title into one string with
 * spaces is split on the spaces. Recognised:
 *   vLLM       vllm serve MODEL, --model MODEL, --model=MODEL (also python -m vllm.<...>)
 *   SGLang     --model-path MODEL (python -m sglang.launch_server), --model
 *   llama.cpp  -m FILE, --model FILE (llama-server, llama-cli, ...): the file's base name;
 *              -hf/--hf-repo REPO
 *   TGI        --model-id MODEL (text-generation-launcher), text-generation-server serve MODEL
 *   others     --model, --model-path, --model-id
 * Writes the name into out (always NUL-terminated when n > 0; at most n - 1 and at most
 * CMDLINE_MODEL_MAX characters, bytes outside printable ASCII replaced by '?') and returns
 * its length; 0 with out = "" when there is none.
 */
size_t cmdline_model(const char *cmdline, size_t len, char *out, size_t n);

#endif
