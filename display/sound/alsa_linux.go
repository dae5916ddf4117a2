//go:build linux && cgo

package sound

/*
#cgo pkg-config: alsa
#include <alsa/asoundlib.h>

static void lotse_alsa_silent(const char *file, int line, const char *function, int err, const char *fmt, ...) {}

static void lotse_alsa_quiet(void) { snd_lib_error_set_handler(lotse_alsa_silent); }
*/
import "C"

// quietALSA stops ALSA's C library from printing its own errors: on a PC
// without a sound card it wrote sixteen lines to stderr at every start. The
// error oto returns says the same, and the display logs it once.
func quietALSA() { C.lotse_alsa_quiet() }
