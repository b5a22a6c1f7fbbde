namespace Pipeline.Imaging.Readers;

/// <summary>
/// Reads a JPEG XL image's headers without decoding: the bare codestream (FF 0A) or the ISO
/// container (the 'JXL ' signature box, 'ftyp' of brand 'jxl ', then the codestream in one
/// 'jxlc' box or 'jxlp' parts), and in the codestream the size header and image metadata:
/// size, orientation, bit depth, extra channels (alpha), animation and colour encoding.
/// Strict: container boxes inside the data, the codestream present, its header complete within
/// <see cref="MaxHeaderBytes"/>, no animation (only the first frame would be decoded). The
/// orientation is reported, not applied by libjxl: the service applies it, as for every format.
/// </summary>
internal static class JxlReader
{
    private const string Name = "JPEG XL";

    /// <summary>How far into the codestream its headers may reach (a few hundred bytes in practice).</summary>
    public const int MaxHeaderBytes = 65536;

    private static ReadOnlySpan<byte> ContainerSignature => [0, 0, 0, 12, (byte)'J', (byte)'X', (byte)'L', (byte)' ', 0x0D, 0x0A, 0x87, 0x0A];

    /// <summary>True for a bare codestream or the container's signature box.</summary>
    public static bool Matches(ReadOnlySpan<byte> data) =>
        (data.Length >= 2 && data[0] == 0xFF && data[1] == 0x0A) || data.StartsWith(ContainerSignature);

    public static ImageInfo Read(ReadOnlySpan<byte> data)
    {
        var header = data[0] == 0xFF ? data[..Math.Min(data.Length, MaxHeaderBytes)] : ContainerCodestream(data);
        var bits = new BitReader(header[2..]);
        var (width, height) = SizeHeader(ref bits);
        var metadata = ImageMetadata(ref bits);
        return Inspection.Checked(ImageFormat.JpegXl, width, height, Name) with
        {
            HasAlpha = metadata.Alpha,
            Channels = metadata.Alpha ? 4 : 3,
            Components = metadata.Alpha ? 4 : 3,
            Orientation = metadata.Orientation,
            ColourTagged = metadata.ColourTagged,
        };
    }

    /// <summary>The first <see cref="MaxHeaderBytes"/> of the codestream inside a container, its parts joined.</summary>
    private static byte[] ContainerCodestream(ReadOnlySpan<byte> data)
    {
        var codestream = new List<byte>();
        bool first = true, sawType = false, sawWhole = false;
        int parts = 0;
        foreach (var box in IsoBox.Children(data, Name))
        {
            if (first)
            {
                first = false;
                continue; // the signature box, matched already
            }
            if (!sawType)
            {
                if (!box.Is("ftyp"u8) || box.Payload.Length < 4 || !box.Payload[..4].SequenceEqual("jxl "u8))
                    throw Inspection.Corrupt(Name, "the container's file type box is missing");
                sawType = true;
                continue;
            }
            bool whole = box.Is("jxlc"u8), part = box.Is("jxlp"u8);
            if (!whole && !part)
                continue; // Exif, xml, jumb, jbrd, level: not read
            if (sawWhole || (whole && parts > 0))
                throw Inspection.Corrupt(Name, "its codestream is both whole and in parts");
            sawWhole |= whole;
            var payload = whole ? box.Payload : box.Payload.Length >= 4 ? box.Payload[4..] : throw Inspection.Corrupt(Name, "a codestream part is too short");
            if (part && (System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(box.Payload) & 0x7FFFFFFF) != parts)
                throw Inspection.Corrupt(Name, "its codestream parts are out of order");
            parts++;
            int take = Math.Min(payload.Length, MaxHeaderBytes - codestream.Count);
            codestream.AddRange(payload[..take]);
        }
        if (codestream.Count < 2 || codestream[0] != 0xFF || codestream[1] != 0x0A)
            throw Inspection.Corrupt(Name, "the container holds no codestream");
        return [.. codestream];
    }

    private static (long Width, long Height) SizeHeader(ref BitReader bits)
    {
        bool small = bits.Bool();
        long height = small ? (bits.Bits(5) + 1) * 8 : bits.U32(9, 13, 18, 30) + 1;
        int ratio = (int)bits.Bits(3);
        long width = ratio switch
        {
            0 => small ? (bits.Bits(5) + 1) * 8 : bits.U32(9, 13, 18, 30) + 1,
            1 => height,
            2 => height * 12 / 10,
            3 => height * 4 / 3,
            4 => height * 3 / 2,
            5 => height * 16 / 9,
            6 => height * 5 / 4,
            _ => height * 2,
        };
        return (width, height);
    }

    private readonly record struct Metadata(int Orientation, bool Alpha, bool ColourTagged);

    private static Metadata ImageMetadata(ref BitReader bits)
    {
        if (bits.Bool()) // all_default: 8-bit sRGB, XYB, no extra channels, upright
            return new Metadata(1, false, false);
        int orientation = 1;
        if (bits.Bool()) // extra_fields
        {
            orientation = (int)bits.Bits(3) + 1;
            if (bits.Bool())
                SizeHeader(ref bits); // intrinsic size: a display hint, the decoded size stays the coded one
            if (bits.Bool())
                PreviewHeader(ref bits);
            if (bits.Bool())
                throw Inspection.Unsupported("An animated JPEG XL");
        }
        BitDepth(ref bits);
        bits.Bool(); // modular_16_bit_buffer_sufficient
        long extraChannels = bits.U32Distribution(Val(0), Val(1), Offset(4, 2), Offset(12, 1));
        if (extraChannels > 256)
            throw Inspection.Unsupported($"A JPEG XL with {extraChannels} extra channels");
        bool alpha = false;
        for (long i = 0; i < extraChannels; i++)
            alpha |= ExtraChannelIsAlpha(ref bits);
        bool xyb = bits.Bool();
        bool tagged = !xyb && ColourIsTagged(ref bits);
        return new Metadata(orientation, alpha, tagged);
    }

    private static void PreviewHeader(ref BitReader bits)
    {
        bool div8 = bits.Bool();
        if (div8)
            bits.U32Distribution(Val(16), Val(32), Offset(5, 1), Offset(9, 33));
        else
            bits.U32Distribution(Offset(6, 1), Offset(8, 65), Offset(10, 321), Offset(12, 1345));
        if (bits.Bits(3) == 0)
        {
            if (div8)
                bits.U32Distribution(Val(16), Val(32), Offset(5, 1), Offset(9, 33));
            else
                bits.U32Distribution(Offset(6, 1), Offset(8, 65), Offset(10, 321), Offset(12, 1345));
        }
    }

    private static void BitDepth(ref BitReader bits)
    {
        if (bits.Bool()) // float samples
        {
            bits.U32Distribution(Val(32), Val(16), Val(24), Offset(6, 1));
            bits.Bits(4);
        }
        else
        {
            bits.U32Distribution(Val(8), Val(10), Val(12), Offset(6, 1));
        }
    }

    /// <summary>Reads one ExtraChannelInfo; true when it is an alpha channel.</summary>
    private static bool ExtraChannelIsAlpha(ref BitReader bits)
    {
        if (bits.Bool()) // all_default: 8-bit alpha
            return true;
        long type = Enum(ref bits);
        BitDepth(ref bits);
        bits.U32Distribution(Val(0), Val(3), Val(4), Offset(3, 1)); // dim_shift
        long nameLength = bits.U32Distribution(Val(0), Offset(4, 0), Offset(5, 16), Offset(10, 48));
        for (long i = 0; i < nameLength; i++)
            bits.Bits(8);
        switch (type)
        {
            case 0: // alpha
                bits.Bool(); // alpha_associated
                return true;
            case 2: // spot colour: red, green, blue, solidity
                bits.Bits(16);
                bits.Bits(16);
                bits.Bits(16);
                bits.Bits(16);
                break;
            case 5: // colour filter array
                bits.U32Distribution(Val(1), Offset(2, 0), Offset(4, 3), Offset(8, 19));
                break;
        }
        return false;
    }

    /// <summary>
    /// Reads the colour encoding; true when it is not sRGB (an ICC profile, or other primaries,
    /// white point or transfer), so the decoded pixels need converting.
    /// </summary>
    private static bool ColourIsTagged(ref BitReader bits)
    {
        if (bits.Bool()) // all_default: sRGB
            return false;
        if (bits.Bool()) // want_icc
            return true;
        long space = Enum(ref bits); // 0 RGB, 1 grey, 2 XYB, 3 unknown
        bool tagged = space == 3;
        if (space != 2)
        {
            long white = Enum(ref bits);
            tagged |= white != 1;
            if (white == 2)
                CustomXy(ref bits);
        }
        if (space is not (1 or 2))
        {
            long primaries = Enum(ref bits);
            tagged |= primaries != 1;
            if (primaries == 2)
            {
                CustomXy(ref bits);
                CustomXy(ref bits);
                CustomXy(ref bits);
            }
        }
        if (bits.Bool()) // have_gamma
        {
            bits.Bits(24);
            tagged = true;
        }
        else
        {
            tagged |= Enum(ref bits) != 13; // sRGB's transfer
        }
        return tagged;
    }

    private static void CustomXy(ref BitReader bits)
    {
        for (int i = 0; i < 2; i++)
            bits.U32Distribution(Offset(19, 0), Offset(19, 524288), Offset(20, 1048576), Offset(21, 2097152));
    }

    private static long Enum(ref BitReader bits)
    {
        long value = bits.U32Distribution(Val(0), Val(1), Offset(4, 2), Offset(6, 18));
        return value <= 63 ? value : throw Inspection.Corrupt(Name, "an enumerated header field is out of range");
    }

    private static (int Bits, long Offset) Val(long value) => (0, value);

    private static (int Bits, long Offset) Offset(int count, long offset) => (count, offset);

    /// <summary>Least-significant-bit-first reads of the codestream; reading past the end means the header is incomplete.</summary>
    private ref struct BitReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private long _position;

        public long Bits(int count)
        {
            long value = 0;
            for (int i = 0; i < count; i++, _position++)
            {
                long at = _position >> 3;
                if (at >= _data.Length)
                    throw Inspection.Corrupt(Name, "its header is incomplete");
                value |= (long)((_data[(int)at] >> (int)(_position & 7)) & 1) << i;
            }
            return value;
        }

        public bool Bool() => Bits(1) == 1;

        /// <summary>U32 with four plain bit-count distributions (the size header's).</summary>
        public long U32(int a, int b, int c, int d) => U32Distribution((a, 0), (b, 0), (c, 0), (d, 0));

        /// <summary>U32: a 2-bit selector, then the chosen distribution's bits plus its offset.</summary>
        public long U32Distribution((int Bits, long Offset) d0, (int Bits, long Offset) d1, (int Bits, long Offset) d2, (int Bits, long Offset) d3)
        {
            var (count, offset) = Bits(2) switch { 0 => d0, 1 => d1, 2 => d2, _ => d3 };
            return Bits(count) + offset;
        }
    }
}
