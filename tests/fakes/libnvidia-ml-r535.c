/* The NVML fake as the R535 driver family: see FAKE_NVML_R535 in libnvidia-ml.c. */
#define FAKE_NVML_R535
#include "libnvidia-ml.c"
