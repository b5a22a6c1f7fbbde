using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Pipeline.Diagnostics;
using Pipeline.Errors;
using Pipeline.Imaging;
using Pipeline.Lambda;
using Pipeline.Storage;

namespace Pipeline.Api;

/// <summary>
/// The API function: parses the API Gateway event, routes it, and maps every outcome to a
/// response. Work is delegated to <see cref="GrayscaleConverter"/> and <see cref="Jobs"/>.
/// </summary>
public sealed class ApiFunction : IInvocationHandler
{
    private readonly ApiOptions _options;
    private readonly GrayscaleConverter _converter;
    private readonly Jobs? _jobs;
    private readonly JsonLog _log;
    private readonly byte[]? _apiKey;
    private readonly TimeProvider _clock;

    // How long before Lambda's deadline the API stops waiting on storage and answers 503.
    private static readonly TimeSpan DeadlineMargin = TimeSpan.FromSeconds(1);

    // Qualities tried, in order, when a result is too large to return inline.
    private static readonly int[] LowerQualities = [75, 50];

    /// <summary>
    /// Creates the function. <paramref name="jobs"/> may be null where no storage is
    /// configured; the upload and job routes then answer 503.
    /// </summary>
    public ApiFunction(ApiOptions options, GrayscaleConverter converter, Jobs? jobs, JsonLog log, TimeProvider? clock = null)
    {
        _clock = clock ?? TimeProvider.System;
        options.Validate();
        _options = options;
        _converter = converter;
        _jobs = jobs;
        _log = log;
        _apiKey = options.ApiKey is null ? null : Encoding.UTF8.GetBytes(options.ApiKey);
    }

    /// <summary>The production composition: options from the process environment, a real S3 client, logs on stdout.</summary>
    public static ApiFunction FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariable);

    /// <summary>The production composition over the variables <paramref name="read"/> returns, and nothing else.</summary>
    public static ApiFunction FromEnvironment(Func<string, string?> read)
    {
        var options = ApiOptions.FromEnvironment(read);
        OpenCvRuntime.Initialize(options.Imaging);
        var aws = AwsEnvironment.FromEnvironment(read);
        var jobs = new Jobs(aws.CreateS3Client(), StorageOptions.FromEnvironment(read), aws, TimeProvider.System);
        return new ApiFunction(options, new GrayscaleConverter(options.Imaging), jobs, new JsonLog(Console.OpenStandardOutput()));
    }

    /// <inheritdoc/>
    public async Task<ReadOnlyMemory<byte>> HandleAsync(Invocation invocation, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        // Storage calls give up before Lambda's deadline, so the client gets a JSON 503, not a timeout.
        using var deadline = invocation.CancelBeforeDeadline(_clock, DeadlineMargin, cancellationToken);

        ApiRequest? request = null;
        Route? route = null;
        ApiResponse response;
        try
        {
            request = ReadRequest(invocation.Payload);
            route = Route.Match(request.Path);
            response = await DispatchAsync(request, route, deadline.Token);
        }
        catch (PipelineException e)
        {
            response = Responses.Error(e);
            if (e.Code is ErrorCode.Internal or ErrorCode.Unavailable)
                _log.Write("error", "dependency failure", ("requestId", invocation.RequestId), ("errorType", e.InnerException?.GetType().Name), ("errorMessage", e.InnerException?.Message));
        }
        catch (Exception e)
        {
            response = Responses.InternalError();
            _log.Write("error", "unhandled exception", ("requestId", invocation.RequestId), ("errorType", e.GetType().Name), ("errorMessage", e.Message), ("stackTrace", e.StackTrace));
        }
        if (_options.AllowedOrigin is { } origin)
            Cors.AddTo(response, origin);

        var written = ApiGatewayHttp.WriteResponse(response);
        _log.Write("info", "request",
            ("requestId", request?.RequestId ?? invocation.RequestId),
            ("method", request?.Method),
            ("route", route?.Name ?? "?"),
            ("status", response.StatusCode),
            ("bytesIn", request?.Body.Length ?? 0),
            ("bytesOut", response.Body.Length),
            ("ms", Stopwatch.GetElapsedTime(started).TotalMilliseconds));
        return written;
    }

    private static ApiRequest ReadRequest(byte[] payload)
    {
        try
        {
            return ApiGatewayHttp.ReadRequest(payload);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            throw new PipelineException(ErrorCode.InvalidRequest, "The request could not be read: " + (e is FormatException ? e.Message : "malformed event."));
        }
    }

    private async Task<ApiResponse> DispatchAsync(ApiRequest request, Route route, CancellationToken cancellationToken)
    {
        if (route.Method.Length == 0)
            throw new PipelineException(ErrorCode.NotFound, $"No route {request.Path}. Routes: POST /, POST /grayscale, POST /uploads, GET /jobs/{{id}}, GET /jobs/{{id}}/result, GET /health.");
        if (request.Method == "OPTIONS" && _options.AllowedOrigin is not null)
            return Cors.Preflight(route.Method); // a browser's preflight carries no API key
        if (request.Method != route.Method)
        {
            var notAllowed = Responses.Error(ErrorCode.MethodNotAllowed, $"{route.Name} accepts {route.Method} only.");
            notAllowed.Headers["Allow"] = route.Method;
            return notAllowed;
        }
        if (route.Name != "/health")
            Authorize(request);

        return route.Name switch
        {
            "/health" => Responses.Json(200, new HealthBody("ok"), ApiJsonContext.Web.HealthBody),
            "/" or "/grayscale" => ConvertInline(request),
            "/uploads" => await RequireJobs().CreateUploadAsync(request),
            "/jobs/{id}" => await RequireJobs().GetStatusAsync(route.Id!, cancellationToken),
            _ => await RequireJobs().GetResultAsync(route.Id!, cancellationToken),
        };
    }

    /// <summary>A route template, the one method it accepts (empty: no such route) and its {id}.</summary>
    private sealed record Route(string Name, string Method, string? Id)
    {
        public static Route Match(string path) => path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries) switch
        {
            [] => new("/", "POST", null),
            ["grayscale"] => new("/grayscale", "POST", null),
            ["health"] => new("/health", "GET", null),
            ["uploads"] => new("/uploads", "POST", null),
            ["jobs", var id] => new("/jobs/{id}", "GET", id),
            ["jobs", var id, "result"] => new("/jobs/{id}/result", "GET", id),
            _ => new("?", "", null),
        };
    }

    private void Authorize(ApiRequest request)
    {
        if (_apiKey is null)
            return;
        var presented = request.Header("x-api-key");
        if (string.IsNullOrEmpty(presented))
            throw new PipelineException(ErrorCode.Unauthorized, "An API key is required: send it in the x-api-key header.");
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _apiKey))
            throw new PipelineException(ErrorCode.Forbidden, "The API key is not valid.");
    }

    private Jobs RequireJobs() =>
        _jobs ?? throw new PipelineException(ErrorCode.Unavailable, "Uploads are not configured on this deployment.");

    private ApiResponse ConvertInline(ApiRequest request)
    {
        var body = request.Body;
        if (body.IsEmpty)
            throw new PipelineException(ErrorCode.EmptyBody, "The request has no body; POST the image's bytes, e.g. curl --data-binary @photo.jpg.");
        if (body.Length > _options.MaxInlineBytes)
        {
            throw new PipelineException(ErrorCode.PayloadTooLarge,
                $"The body is {body.Length} bytes; POST / converts up to {_options.MaxInlineBytes} bytes inline. For larger images use POST /uploads to get an upload URL.");
        }

        var info = _converter.Inspect(body.Span);
        var output = OutputNegotiation.Choose(info.Format, request.Query.GetValueOrDefault("format"), request.Header("accept"));
        var quality = Quality(request.Query.GetValueOrDefault("quality"));
        var result = _converter.Convert(body.Span, info, output, quality);
        if (result.Bytes.Length > _options.MaxInlineResultBytes)
        {
            throw new PipelineException(ErrorCode.PayloadTooLarge,
                $"The {output.DisplayName()} result is {result.Bytes.Length} bytes, more than a synchronous response carries ({_options.MaxInlineResultBytes}). "
                + SmallerResult(body.Span, info, output, quality)
                + "POST /uploads converts it with no such limit.");
        }

        var response = Responses.Image(result.Bytes, output.MediaType());
        response.Headers["X-Image-Width"] = result.Width.ToString(CultureInfo.InvariantCulture);
        response.Headers["X-Image-Height"] = result.Height.ToString(CultureInfo.InvariantCulture);
        return response;
    }

    /// <summary>
    /// Advice for a result too large to return inline that is known to work for this very
    /// image: the first of a smaller quality or JPEG output whose result fits, tried for real.
    /// Empty when none does (POST /uploads always does).
    /// </summary>
    private string SmallerResult(ReadOnlySpan<byte> body, ImageInfo info, ImageFormat output, int quality)
    {
        var candidates = new List<(ImageFormat Format, int Quality, string Parameters)>();
        if (output is ImageFormat.Jpeg or ImageFormat.WebP)
        {
            foreach (var lower in LowerQualities.Where(q => q < quality))
                candidates.Add((output, lower, $"?quality={lower}"));
        }
        else
        {
            candidates.Add((ImageFormat.Jpeg, GrayscaleConverter.DefaultQuality, "?format=jpeg"));
        }
        foreach (var (format, lower, parameters) in candidates)
        {
            int size = _converter.Convert(body, info, format, lower).Bytes.Length;
            if (size <= _options.MaxInlineResultBytes)
                return $"With {parameters} it is {size} bytes and fits; or ";
        }
        return "";
    }

    private static int Quality(string? text)
    {
        if (text is null)
            return GrayscaleConverter.DefaultQuality;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var quality) || quality is < 1 or > 100)
            throw new PipelineException(ErrorCode.InvalidRequest, "quality must be a whole number from 1 to 100.");
        return quality;
    }
}
