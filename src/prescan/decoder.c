/* decoder.c — see decoder.h. */
#include "prescan/decoder.h"

#include "prescan/prescan_priv.h"

int prescan_decoder_init(ZydisDecoder *d, int code_size, int amd_branches, int minimal)
{
    static const struct { ZydisMachineMode m; ZydisStackWidth w; } modes[3] = {
        { ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_STACK_WIDTH_16 },
        { ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32 },
        { ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64 },
    };
    int i = code_size == 64 ? 2 : code_size == 32 ? 1 : 0;
    if (!ZYAN_SUCCESS(ZydisDecoderInit(d, modes[i].m, modes[i].w)) ||
        !ZYAN_SUCCESS(ZydisDecoderEnableMode(d, ZYDIS_DECODER_MODE_MINIMAL, minimal ? ZYAN_TRUE : ZYAN_FALSE)) ||
        !ZYAN_SUCCESS(ZydisDecoderEnableMode(d, ZYDIS_DECODER_MODE_AMD_BRANCHES, amd_branches ? ZYAN_TRUE : ZYAN_FALSE)))
        return -1;
    return 0;
}

/* The engine's three (dec[prescan_mode_index]): minimal mode, because
 * scanning needs only lengths, branch targets and mnemonics. */
int prescan_decoders_init(ZydisDecoder dec[3], int amd_branches)
{
    static const int sizes[3] = { 16, 32, 64 };
    for (int i = 0; i < 3; i++)
        if (prescan_decoder_init(&dec[i], sizes[i], amd_branches, 1) != 0)
            return -1;
    return 0;
}
