/* Stand-ins for the encoder libraries Debian's libheif 1.15 is linked against (libx265 for HEVC encoding,
   libaom for AV1 encoding and decoding) so that they need not be shipped: libheif is linked with BIND_NOW and full
   RELRO, so every symbol must resolve at load time, but decoding uses libde265 (HEVC) and libdav1d (AV1) only.
   Every stand-in fails: a call reports an error or returns NULL, never success. */
#include <stddef.h>
#ifdef STUB_X265
void *x265_api_get_199(int bit_depth) { (void)bit_depth; return NULL; }
#endif
#ifdef STUB_AOM
static const char unavailable[] = "libaom is not shipped";
void *aom_codec_av1_cx(void) { return NULL; }
void *aom_codec_av1_dx(void) { return NULL; }
int aom_codec_control(void *ctx, int id, ...) { (void)ctx; (void)id; return 1; }
int aom_codec_dec_init_ver(void *ctx, void *iface, void *cfg, long flags, int ver) { (void)ctx; (void)iface; (void)cfg; (void)flags; (void)ver; return 1; }
int aom_codec_decode(void *ctx, const void *data, size_t size, void *user) { (void)ctx; (void)data; (void)size; (void)user; return 1; }
int aom_codec_destroy(void *ctx) { (void)ctx; return 1; }
int aom_codec_enc_config_default(void *iface, void *cfg, unsigned usage) { (void)iface; (void)cfg; (void)usage; return 1; }
int aom_codec_enc_init_ver(void *ctx, void *iface, void *cfg, long flags, int ver) { (void)ctx; (void)iface; (void)cfg; (void)flags; (void)ver; return 1; }
int aom_codec_encode(void *ctx, const void *img, long pts, unsigned long duration, long flags) { (void)ctx; (void)img; (void)pts; (void)duration; (void)flags; return 1; }
const char *aom_codec_err_to_string(int err) { (void)err; return unavailable; }
const void *aom_codec_get_cx_data(void *ctx, void *iter) { (void)ctx; (void)iter; return NULL; }
void *aom_codec_get_frame(void *ctx, void *iter) { (void)ctx; (void)iter; return NULL; }
const char *aom_codec_iface_name(void *iface) { (void)iface; return unavailable; }
int aom_codec_set_option(void *ctx, const char *name, const char *value) { (void)ctx; (void)name; (void)value; return 1; }
int aom_codec_version(void) { return 0; }
const char *aom_codec_version_str(void) { return unavailable; }
void *aom_img_alloc(void *img, int fmt, unsigned w, unsigned h, unsigned align) { (void)img; (void)fmt; (void)w; (void)h; (void)align; return NULL; }
void aom_img_free(void *img) { (void)img; }
#endif
#ifdef STUB_DE265
/* Stand-in for libde265 (HEVC decoding) in a deployment that leaves HEIC out: libheif loads and registers its HEVC
   plugin, and any HEVC decode fails with an error instead of decoding. */
static const char stub_version[] = "libde265 not shipped";
const char *de265_get_version(void) { return stub_version; }
int de265_init(void) { return 0; }
int de265_free(void) { return 0; }
void *de265_new_decoder(void) { return NULL; }
int de265_start_worker_threads(void *ctx, int n) { (void)ctx; (void)n; return 1; }
int de265_free_decoder(void *ctx) { (void)ctx; return 0; }
int de265_push_NAL(void *ctx, const void *data, int length, long pts, void *user) { (void)ctx; (void)data; (void)length; (void)pts; (void)user; return 1; }
int de265_flush_data(void *ctx) { (void)ctx; return 1; }
int de265_decode(void *ctx, int *more) { (void)ctx; if (more) *more = 0; return 1; }
const void *de265_get_next_picture(void *ctx) { (void)ctx; return NULL; }
void de265_release_next_picture(void *ctx) { (void)ctx; }
int de265_get_image_width(const void *img, int c) { (void)img; (void)c; return 0; }
int de265_get_image_height(const void *img, int c) { (void)img; (void)c; return 0; }
int de265_get_chroma_format(const void *img) { (void)img; return 0; }
int de265_get_bits_per_pixel(const void *img, int c) { (void)img; (void)c; return 0; }
const unsigned char *de265_get_image_plane(const void *img, int c, int *stride) { (void)img; (void)c; if (stride) *stride = 0; return NULL; }
int de265_get_image_full_range_flag(const void *img) { (void)img; return 0; }
int de265_get_image_colour_primaries(const void *img) { (void)img; return 2; }
int de265_get_image_transfer_characteristics(const void *img) { (void)img; return 2; }
int de265_get_image_matrix_coefficients(const void *img) { (void)img; return 2; }
#endif
