using System.Diagnostics;
using System.Text.Json;
using Pipeline.Api.Gateway;
using Pipeline.Api.Routing;
using Pipeline.Api.Web;
using Pipeline.Aws;
using Pipeline.Diagnostics;
using Pipeline.Errors;
using Pipeline.Imaging.Isolation;
using Pipeline.Jobs;
using Pipeline.Lambda;

namespace Pipeline.Api;

/// <summary>
/// The API function: parses the API Gateway event, matches it against the route table, and
/// maps every outcome to a response. Work is delegated to <see cref="InlineConversion"/> and
/// <see cref="JobRoutes"/>.
/// </summary>
public sealed class ApiFunction : IInvocationHandler
{
    // How long before Lambda's deadline the API stops waiting on storage and answers 503.
    private static readonly TimeSpan DeadlineMargin = TimeSpan.FromSeconds(1);

    private readonly ApiOptions _options;
    private readonly RouteTable _routes;
    private readonly JsonLog _log;
    private readonly EmbeddedMetrics _metrics;
    private readonly TimeProvider _clock;

    /// <summary>Creates the function: inline conversions with <paramref name="converter"/>, uploads and jobs in <paramref name="jobs"/>.</summary>
    public ApiFunction(ApiOptions options, IsolatedConverter converter, JobStore jobs, JsonLog log, TimeProvider? clock = null, EmbeddedMetrics? metrics = null)
    {
        _clock = clock ?? TimeProvider.System;
        _options = options;
        _log = log;
        _metrics = metrics ?? EmbeddedMetrics.Null;
        _routes = Routes(options, new InlineConversion(converter, options, _metrics), new JobRoutes(jobs, _clock));
    }

    /// <summary>The production composition: options from the process environment, a real S3 client, logs on stdout.</summary>
    public static ApiFunction FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariable);

    /// <summary>
    /// The production composition over the variables <paramref name="read"/> returns, and nothing
    /// else, converting in up to <paramref name="converterProcesses"/> converter processes at once
    /// (Lambda sends one request at a time; a local host may send more). One is started now.
    /// </summary>
    public static ApiFunction FromEnvironment(Func<string, string?> read, int converterProcesses = 1)
    {
        var options = ApiOptions.FromEnvironment(read);
        var aws = AwsEnvironment.FromEnvironment(read);
        var store = new JobStore(aws.CreateS3Client(), StorageOptions.FromEnvironment(read), aws.UsesHttp, TimeProvider.System);
        var log = new JsonLog(Console.OpenStandardOutput());
        var converter = new IsolatedConverter(ConverterCommand.ForThisProcess(), options.Imaging, converterProcesses);
        converter.WarmUp();
        return new ApiFunction(options, converter, store, log, TimeProvider.System, new EmbeddedMetrics(log, "api"));
    }

    /// <summary>Every route of the API, declared once.</summary>
    private static RouteTable Routes(ApiOptions options, InlineConversion inline, JobRoutes jobs)
    {
        var page = new WebPage(options.MaxInlineBytes, jobs.StorageOriginsAsync);
        Route[] routes =
        [
            // The page is loaded by a browser's navigation, which cannot send a key; what it calls needs one.
            new("GET", "/", page.IndexAsync, NeedsKey: false),
            new("GET", "/assets/{name}", page.AssetAsync, NeedsKey: false),
            new("POST", "/", inline.HandleAsync),
            new("POST", "/grayscale", inline.HandleAsync),
            new("POST", "/uploads", jobs.CreateUploadAsync),
            new("GET", "/jobs/{id}", jobs.GetStatusAsync),
            new("GET", "/jobs/{id}/result", jobs.GetResultAsync),
            new("GET", "/health", Health, NeedsKey: false),
        ];
        return new RouteTable(routes);
    }

    /// <summary>
    /// True when a request for <paramref name="method"/> <paramref name="path"/> needs an API
    /// key, as the deployed API's definition requires one: every method but a preflight and the
    /// routes declared keyless, unknown paths included. API Gateway checks keys before the
    /// function runs; the local gateway asks this.
    /// </summary>
    public bool NeedsKey(string method, string path) =>
        method != "OPTIONS" && _routes.Match(method, path).Route?.NeedsKey != false;

    private static Task<ApiResponse> Health(ApiRequest request, IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken) =>
        Task.FromResult(Responses.Json(200, new HealthBody("ok"), ApiJsonContext.Web.HealthBody));

    /// <inheritdoc/>
    public async Task<ReadOnlyMemory<byte>> HandleAsync(Invocation invocation, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        // Storage calls give up before Lambda's deadline, so the client gets a JSON 503, not a timeout.
        using var deadline = invocation.CancelBeforeDeadline(_clock, DeadlineMargin, cancellationToken);

        ApiRequest? request = null;
        RouteMatch? match = null;
        ApiResponse response;
        try
        {
            request = ReadRequest(invocation.Payload);
            match = _routes.Match(request.Method, request.Path);
            response = await DispatchAsync(request, match, deadline.Token);
        }
        catch (PipelineException e)
        {
            response = Responses.Error(e);
            if (e.Code is ErrorCode.Internal or ErrorCode.Unavailable)
                _log.Write("error", "dependency failure", ("requestId", invocation.RequestId), ("errorType", e.InnerException?.GetType().Name), ("errorMessage", e.InnerException?.Message));
        }
        catch (Exception e) when (e is not UnsupportedEventException)
        {
            response = Responses.InternalError();
            _log.Write("error", "unhandled exception", ("requestId", invocation.RequestId), ("errorType", e.GetType().Name), ("errorMessage", e.Message), ("stackTrace", e.StackTrace));
        }
        if (_options.AllowedOrigin is { } origin)
            Cors.AddTo(response, origin);

        var written = ApiGatewayHttp.WriteResponse(response);
        double ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        _metrics.Emit([("StatusClass", $"{response.StatusCode / 100}xx")], new Metric("Requests", 1), new Metric("LatencyMs", ms, "Milliseconds"));
        _log.Write("info", "request",
            ("requestId", request?.RequestId ?? invocation.RequestId),
            ("method", request?.Method),
            ("route", match?.Route?.Template ?? "?"),
            ("status", response.StatusCode),
            ("bytesIn", request?.Body.Length ?? 0),
            ("bytesOut", response.Body.Length),
            ("ms", ms));
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

    private Task<ApiResponse> DispatchAsync(ApiRequest request, RouteMatch match, CancellationToken cancellationToken)
    {
        if (!match.PathExists)
            throw new PipelineException(ErrorCode.NotFound, $"No route {request.Path}. Routes: {_routes.Describe()}.");
        // A browser's preflight carries no API key. Without an allowed origin it is answered all
        // the same, as API Gateway's mock answers it, but names no origin: the browser then
        // refuses the cross-origin request.
        if (request.Method == "OPTIONS")
            return Task.FromResult(Cors.Preflight(match.AllowedMethods));
        if (match.Route is not { } route)
        {
            var allowed = string.Join(", ", match.AllowedMethods);
            var notAllowed = Responses.Error(ErrorCode.MethodNotAllowed, $"{request.Path} accepts {allowed} only.");
            notAllowed.Headers["Allow"] = allowed;
            return Task.FromResult(notAllowed);
        }
        return route.Handler(request, match.Values, cancellationToken);
    }
}
