using OpenCvSharp;
using Pipeline.Api;
using Pipeline.Errors;
using Pipeline.Imaging.Isolation;
using ErrorCode = Pipeline.Errors.ErrorCode;

namespace Pipeline.Imaging.Fuzz;

/// <summary>
/// What must hold for any bytes at all. The inspection refuses them with a
/// <see cref="PipelineException"/> (anything else escaping it is a bug), or accepts them; an
/// accepted image within the pixel limit is converted as POST / converts it, in a converter
/// process held to the same budget (<see cref="DecodeCost.Budget"/> with the API's CPU floor),
/// and the conversion either succeeds, within that budget and at the inspected size, or fails
/// with a pipeline error other than <see cref="ErrorCode.TooExpensive"/> (a budget overrun means
/// the header promised less than the decoder spent); and the decoder, given exactly what the
/// converter gives it, produces the inspected width, height, channels and sample depth, or
/// refuses. Each violation is an <see cref="OracleViolationException"/>.
/// </summary>
/// <remarks>
/// The conversion runs out of process because the fuzz target cannot: SharpFuzz's fork server
/// runs every input in one long-lived .NET process (a runtime cannot fork), so a measurement in
/// it would carry the heap of every earlier input, and a decoder that overruns would take the
/// target down with it. The converter process is what the services run, with its per-image
/// memory limit, CPU limit and peak measurement, and a fresh process after each overrun. The
/// geometry check decodes in this process, with nothing but afl-fuzz's memory limit: held to
/// the budget, a decoder misled by a header would fail to allocate and look like a refusal.
/// </remarks>
public sealed class DifferentialOracle : IAsyncDisposable
{
    private readonly ApiOptions _service = new();
    private readonly IsolatedConverter _converter;
    private readonly Func<byte[], ImageInfo> _inspect;

    /// <summary>
    /// An oracle converting in processes started with <paramref name="converter"/>, checking
    /// <paramref name="inspect"/> (the service's inspection unless given).
    /// </summary>
    public DifferentialOracle(ConverterCommand converter, Func<byte[], ImageInfo>? inspect = null)
    {
        OpenCvRuntime.Initialize(_service.Imaging);
        _converter = new IsolatedConverter(converter, _service.Imaging, maxProcesses: 1);
        _inspect = inspect ?? (bytes => ImageInspector.Inspect(bytes));
    }

    /// <summary>Checks <paramref name="input"/>; throws <see cref="OracleViolationException"/> when the inspection, the decoder or the budget disagree.</summary>
    public Verdict Check(byte[] input)
    {
        ImageInfo info;
        try
        {
            info = _inspect(input);
            _service.Imaging.Check(info);
        }
        catch (PipelineException)
        {
            return Verdict.Refused;
        }
        // What POST / asks for: the format's own output with no quality named (a JPEG keeps its
        // luma losslessly where it can); for a JPEG also a named quality, which decodes it.
        ConvertWithinBudget(input, info, quality: null);
        if (info.Format == ImageFormat.Jpeg)
            ConvertWithinBudget(input, info, GrayscaleConverter.DefaultQuality);
        return DecodeAsInspected(input, info);
    }

    private void ConvertWithinBudget(byte[] input, ImageInfo info, int? quality)
    {
        var request = new ConversionRequest(input, info, info.Format.DefaultOutput(), quality);
        var budget = DecodeCost.Budget(request, _service.CpuSecondsPerImage);
        if (budget.MemoryBytes > _service.MaxConversionBytes)
            return; // POST / refuses it before converting
        var what = $"{Describe(info)} converted with quality {quality?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unnamed"}";
        ConversionResult result;
        try
        {
            result = _converter.ConvertAsync(request, budget, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (PipelineException e) when (e.Code == ErrorCode.TooExpensive)
        {
            throw new OracleViolationException($"{what}: stopped over its budget of {budget.MemoryBytes} bytes and {budget.CpuSeconds} s of CPU ({e.Message})");
        }
        catch (PipelineException)
        {
            return; // refused, as a corrupt image or one that decoded to another size
        }
        if (result.PeakBytes > budget.MemoryBytes)
            throw new OracleViolationException($"{what}: the converter's resident memory rose {result.PeakBytes} bytes, over its budget of {budget.MemoryBytes}");
        if ((result.Image.Width, result.Image.Height) != (info.UprightWidth, info.UprightHeight))
            throw new OracleViolationException($"{what}: the result is {result.Image.Width}x{result.Image.Height}, not {info.UprightWidth}x{info.UprightHeight}");
    }

    private static Verdict DecodeAsInspected(byte[] input, ImageInfo info)
    {
        Mat decoded;
        try
        {
            decoded = Cv2.ImDecode(ImageInspector.Decodable(input, info), ImreadModes.Unchanged);
        }
        catch (OpenCVException)
        {
            return Verdict.DecoderRefused;
        }
        using (decoded)
        {
            if (decoded.Empty())
                return Verdict.DecoderRefused;
            var seen = (decoded.Width, decoded.Height, Channels: decoded.Channels(), Depth: decoded.Depth());
            var inspected = (info.Width, info.Height, info.Channels, Depth: info.SixteenBit ? MatType.CV_16U : MatType.CV_8U);
            if (seen != inspected)
                throw new OracleViolationException($"{Describe(info)}: decoded as {seen.Width}x{seen.Height}, {seen.Channels} channels of depth {seen.Depth} (inspected: depth {inspected.Depth})");
        }
        return Verdict.Agreed;
    }

    private static string Describe(ImageInfo info) =>
        $"{info.Format.DisplayName()} inspected as {info.Width}x{info.Height}, {info.Channels} channels{(info.SixteenBit ? " of 16 bits" : "")}";

    /// <summary>Ends the converter process.</summary>
    public ValueTask DisposeAsync() => _converter.DisposeAsync();
}
