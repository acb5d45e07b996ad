#include <ortp/ortp.h>
