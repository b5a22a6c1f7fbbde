using System.Globalization;
using Pipeline.Api;
using Pipeline.Api.Gateway;
using Pipeline.Imaging;
using Pipeline.Imaging.Isolation;

namespace Pipeline.Bench;

/// <summary>
/// POST / as the API handler ran it before conversions moved to a converter process: the event
/// read, the body inspected, the output negotiated, the image converted and the response written,
/// through the same public calls InlineConversion makes. The conversion runs either in this
/// process (GrayscaleConverter: "before") or in a converter process within the image's budget
/// (IsolatedConverter: the same code "after"). Only that call differs, so the two time the
/// converter process's cost alone; ApiFunction adds its routing, logging and metrics.
/// </summary>
public sealed class InlineHandler(GrayscaleConverter inProcess, IsolatedConverter isolated, int cpuSecondsPerImage)
{
    /// <summary>Converts in this process, as the handler did before.</summary>
    public ReadOnlyMemory<byte> InProcess(byte[] payload) =>
        Handle(payload, (body, info, output, quality) => inProcess.Convert(body.Span, info, output, quality));

    /// <summary>Converts in a converter process, as InlineConversion does now.</summary>
    public ReadOnlyMemory<byte> Isolated(byte[] payload) => Handle(payload, (body, info, output, quality) =>
    {
        var request = new ConversionRequest(body, info, output, quality);
        return isolated.ConvertAsync(request, DecodeCost.Budget(request, cpuSecondsPerImage), CancellationToken.None).GetAwaiter().GetResult().Image;
    });

    private ReadOnlyMemory<byte> Handle(byte[] payload, Func<ReadOnlyMemory<byte>, ImageInfo, ImageFormat, int?, ConvertedImage> convert)
    {
        var request = ApiGatewayHttp.ReadRequest(payload);
        var info = inProcess.Inspect(request.Body.Span);
        var output = OutputNegotiation.Choose(info.Format, request.Query.GetValueOrDefault("format"), request.Header("accept"));
        int? quality = request.Query.TryGetValue("quality", out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : null;
        var image = convert(request.Body, info, output, quality);
        return ApiGatewayHttp.WriteResponse(Responses.Image(image.Bytes, output.MediaType()));
    }
}
