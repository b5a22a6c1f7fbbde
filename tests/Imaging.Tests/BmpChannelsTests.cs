using System.Buffers.Binary;
using OpenCvSharp;
using Pipeline.Imaging;

namespace Pipeline.Tests.Imaging;

/// <summary>
/// 32-bit bitmaps, whose channels depend on the compression (found by fuzzing): OpenCV decodes
/// one with bit fields to four channels and one without to three, whatever alpha mask its header
/// declares; the fourth channel is alpha only where an alpha mask is declared.
/// </summary>
public class BmpChannelsTests
{
    private const uint Rgb = 0, BitFields = 3;

    public BmpChannelsTests() => OpenCvRuntime.Initialize(DefaultLimits.Imaging);

    public static TheoryData<int, uint, uint> Headers()
    {
        var data = new TheoryData<int, uint, uint>();
        foreach (var headerSize in new[] { 40, 52, 56, 108, 124 })
        {
            foreach (var compression in new[] { Rgb, BitFields })
            {
                data.Add(headerSize, compression, 0);
                if (headerSize >= 56)
                    data.Add(headerSize, compression, 0xFF000000);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Headers))]
    public void A_32_bit_bitmap_is_inspected_with_the_channels_it_decodes_to(int headerSize, uint compression, uint alphaMask)
    {
        var bmp = Bmp32(headerSize, compression, alphaMask, padding: 0x80);

        var info = ImageInspector.Inspect(bmp);
        using var decoded = Cv2.ImDecode(bmp, ImreadModes.Unchanged);

        Assert.Equal(decoded.Channels(), info.Channels);
        Assert.Equal(compression == BitFields && alphaMask != 0, info.HasAlpha);
    }

    [Fact]
    public void An_opaque_bitmap_with_bit_fields_and_zero_padding_converts_to_its_gray_not_to_white()
    {
        // X8R8G8B8 after a version-1 header: OpenCV hands the padding byte over as a fourth channel.
        var bmp = Bmp32(40, BitFields, 0, padding: 0);

        var result = new GrayscaleConverter(DefaultLimits.Imaging).Convert(bmp);

        using var gray = Cv2.ImDecode(result.Bytes, ImreadModes.Unchanged);
        Assert.Equal(MatType.CV_8UC1, gray.Type());
        Assert.Equal(0x50, gray.Get<byte>(0, 0)); // B 0x50, G 0x50, R 0x50
    }

    /// <summary>A 4x2 32-bit bitmap of gray 0x50 pixels whose fourth byte is <paramref name="padding"/>.</summary>
    private static byte[] Bmp32(int headerSize, uint compression, uint alphaMask, byte padding)
    {
        const int Width = 4, Height = 2;
        uint[] masks = [0x00FF0000, 0x0000FF00, 0x000000FF];
        int fieldsAfter = compression == BitFields && headerSize == 40 ? masks.Length * 4 : 0;
        int offset = 14 + headerSize + fieldsAfter;
        var bmp = new byte[offset + Width * Height * 4];
        "BM"u8.CopyTo(bmp);
        BinaryPrimitives.WriteUInt32LittleEndian(bmp.AsSpan(2), (uint)bmp.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(bmp.AsSpan(10), (uint)offset);
        var header = bmp.AsSpan(14, headerSize);
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)headerSize);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], Width);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], Height);
        BinaryPrimitives.WriteUInt16LittleEndian(header[12..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(header[14..], 32);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], compression);
        var fields = headerSize >= 52 ? header[40..] : bmp.AsSpan(14 + headerSize, fieldsAfter);
        for (int i = 0; i < fields.Length / 4 && i < masks.Length; i++)
            BinaryPrimitives.WriteUInt32LittleEndian(fields[(4 * i)..], masks[i]);
        if (headerSize >= 56)
            BinaryPrimitives.WriteUInt32LittleEndian(header[52..], alphaMask);
        for (int at = offset; at < bmp.Length; at += 4)
            bmp.AsSpan(at, 4).Fill(0x50);
        for (int at = offset + 3; at < bmp.Length; at += 4)
            bmp[at] = padding;
        return bmp;
    }
}
