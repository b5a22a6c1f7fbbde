using System.Buffers.Binary;
using System.Text;
using Pipeline.Errors;

namespace Pipeline.Imaging.Isolation;

/// <summary>
/// The frames a service and its converter process exchange over the child's stdin and stdout,
/// little-endian. The child announces it is ready with one byte once it has started;
/// then each request (a header holding the inspection, the output and the quality, then the
/// image) gets one response: a status byte and the child's state as it waits for the next
/// request (its data size and CPU time, which its parent sets the next limits from without
/// reading /proc), then the result (a header, then the image) or an error (a code and a
/// message that is safe to show).
/// </summary>
internal static class ConverterProtocol
{
    public const byte Ready = (byte)'R';
    private const uint RequestMagic = 0x564E4350; // "PCNV"
    private const int RequestHeaderSize = 32;
    private const int ResultHeaderSize = 30;
    private const byte Succeeded = 0, Failed = 1;
    private const int StateSize = 16;
    private const int MaxMessageBytes = 4096;

    private const byte HasAlphaFlag = 1, SixteenBitFlag = 2, ProgressiveFlag = 4, TranscodableFlag = 8, ColourTaggedFlag = 16, LosslessFlag = 32;

    public static void WriteRequest(Stream stream, ConversionRequest request)
    {
        Span<byte> header = stackalloc byte[RequestHeaderSize];
        var info = request.Info;
        BinaryPrimitives.WriteUInt32LittleEndian(header, RequestMagic);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], request.Input.Length);
        header[8] = (byte)info.Format;
        header[9] = (byte)request.Output;
        BinaryPrimitives.WriteInt16LittleEndian(header[10..], (short)(request.Quality ?? -1));
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], info.Width);
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], info.Height);
        header[20] = (byte)((info.HasAlpha ? HasAlphaFlag : 0) | (info.SixteenBit ? SixteenBitFlag : 0)
            | (info.Progressive ? ProgressiveFlag : 0) | (info.LumaTranscodable ? TranscodableFlag : 0) | (info.ColourTagged ? ColourTaggedFlag : 0)
            | (info.Lossless ? LosslessFlag : 0));
        header[21] = (byte)info.Channels;
        header[22] = (byte)info.Components;
        header[23] = (byte)info.Orientation;
        BinaryPrimitives.WriteDoubleLittleEndian(header[24..], info.StoredSamplesPerPixel);
        stream.Write(header);
        stream.Write(request.Input.Span);
        stream.Flush();
    }

    /// <summary>Reads a request into <paramref name="buffer"/> (grown as needed); false at the end of the stream.</summary>
    public static bool TryReadRequest(Stream stream, ref byte[] buffer, out ConversionRequest request)
    {
        Span<byte> header = stackalloc byte[RequestHeaderSize];
        request = null!;
        if (stream.ReadAtLeast(header, RequestHeaderSize, throwOnEndOfStream: false) < RequestHeaderSize)
            return false;
        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != RequestMagic)
            throw new InvalidDataException("Not a conversion request.");
        int length = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
        if (buffer.Length < length)
            buffer = new byte[length];
        stream.ReadExactly(buffer, 0, length);
        byte flags = header[20];
        var info = new ImageInfo((ImageFormat)header[8], BinaryPrimitives.ReadInt32LittleEndian(header[12..]), BinaryPrimitives.ReadInt32LittleEndian(header[16..]),
            HasAlpha: (flags & HasAlphaFlag) != 0, Channels: header[21], SixteenBit: (flags & SixteenBitFlag) != 0, Progressive: (flags & ProgressiveFlag) != 0)
        {
            Components = header[22],
            Orientation = header[23],
            LumaTranscodable = (flags & TranscodableFlag) != 0,
            ColourTagged = (flags & ColourTaggedFlag) != 0,
            Lossless = (flags & LosslessFlag) != 0,
            StoredSamplesPerPixel = BinaryPrimitives.ReadDoubleLittleEndian(header[24..]),
        };
        short quality = BinaryPrimitives.ReadInt16LittleEndian(header[10..]);
        request = new ConversionRequest(buffer.AsMemory(0, length), info, (ImageFormat)header[9], quality < 0 ? null : quality);
        return true;
    }

    public static void WriteResult(Stream stream, ConverterState state, ConvertedImage image, long peakBytes, double milliseconds)
    {
        Span<byte> header = stackalloc byte[1 + StateSize + ResultHeaderSize];
        header[0] = Succeeded;
        WriteState(header[1..], state);
        var result = header[(1 + StateSize)..];
        result[0] = (byte)image.Format;
        result[1] = (byte)(image.Lossless ? 1 : 0);
        BinaryPrimitives.WriteInt32LittleEndian(result[2..], image.Width);
        BinaryPrimitives.WriteInt32LittleEndian(result[6..], image.Height);
        BinaryPrimitives.WriteInt64LittleEndian(result[10..], peakBytes);
        BinaryPrimitives.WriteDoubleLittleEndian(result[18..], milliseconds);
        BinaryPrimitives.WriteInt32LittleEndian(result[26..], image.Bytes.Length);
        stream.Write(header);
        stream.Write(image.Bytes);
        stream.Flush();
    }

    public static void WriteError(Stream stream, ConverterState state, ErrorCode code, string message)
    {
        var text = Encoding.UTF8.GetBytes(message.Length > MaxMessageBytes / 4 ? message[..(MaxMessageBytes / 4)] : message);
        Span<byte> header = stackalloc byte[1 + StateSize + 5];
        header[0] = Failed;
        WriteState(header[1..], state);
        header[1 + StateSize] = (byte)code;
        BinaryPrimitives.WriteInt32LittleEndian(header[(2 + StateSize)..], text.Length);
        stream.Write(header);
        stream.Write(text);
        stream.Flush();
    }

    private static void WriteState(Span<byte> target, ConverterState state)
    {
        BinaryPrimitives.WriteInt64LittleEndian(target, state.DataBytes);
        BinaryPrimitives.WriteDoubleLittleEndian(target[8..], state.CpuSeconds);
    }

    /// <summary>
    /// Reads one response: the child's state, then the result, or the converter's error thrown as
    /// a <see cref="PipelineException"/> (<paramref name="state"/> is set before it is thrown).
    /// </summary>
    public static ConversionResult ReadResponse(Stream stream, out ConverterState? state)
    {
        state = null;
        Span<byte> head = stackalloc byte[1 + StateSize];
        stream.ReadExactly(head);
        if (head[0] is not (Succeeded or Failed))
            throw new InvalidDataException("The converter's response is malformed.");
        state = new ConverterState(BinaryPrimitives.ReadInt64LittleEndian(head[1..]), BinaryPrimitives.ReadDoubleLittleEndian(head[9..]));
        if (head[0] == Failed)
        {
            Span<byte> header = stackalloc byte[5];
            stream.ReadExactly(header);
            int length = BinaryPrimitives.ReadInt32LittleEndian(header[1..]);
            if (length is < 0 or > MaxMessageBytes)
                throw new InvalidDataException("The converter's error message is malformed.");
            var text = new byte[length];
            stream.ReadExactly(text);
            throw new PipelineException((ErrorCode)header[0], Encoding.UTF8.GetString(text));
        }
        Span<byte> result = stackalloc byte[ResultHeaderSize];
        stream.ReadExactly(result);
        int size = BinaryPrimitives.ReadInt32LittleEndian(result[26..]);
        var bytes = GC.AllocateUninitializedArray<byte>(size);
        stream.ReadExactly(bytes);
        var image = new ConvertedImage(bytes, (ImageFormat)result[0], BinaryPrimitives.ReadInt32LittleEndian(result[2..]),
            BinaryPrimitives.ReadInt32LittleEndian(result[6..]), Lossless: result[1] == 1);
        return new ConversionResult(image, BinaryPrimitives.ReadInt64LittleEndian(result[10..]), BinaryPrimitives.ReadDoubleLittleEndian(result[18..]));
    }
}
