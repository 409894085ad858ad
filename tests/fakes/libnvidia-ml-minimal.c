/* The NVML fake as an old or cut-down library: see FAKE_NVML_MINIMAL in libnvidia-ml.c. */
#define FAKE_NVML_MINIMAL
#include "libnvidia-ml.c"
