using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Lambda;

/// <summary>
/// A client of the Lambda Runtime API (version 2018-06-01) that a <c>provided.al2023</c>
/// custom runtime uses: fetch the next event, post its response or its error, or report a
/// failed initialisation. See https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html.
/// </summary>
public sealed class RuntimeApiClient : IDisposable
{
    /// <summary>The environment variable Lambda sets to the Runtime API's host:port.</summary>
    public const string EndpointVariable = "AWS_LAMBDA_RUNTIME_API";
    private const string ErrorTypeHeader = "Lambda-Runtime-Function-Error-Type";

    private readonly HttpClient _http;

    /// <summary>Creates a client for the Runtime API at <paramref name="hostAndPort"/> (e.g. <c>127.0.0.1:9001</c>).</summary>
    public RuntimeApiClient(string hostAndPort, HttpMessageHandler? handler = null)
    {
        // The next-invocation request blocks until an event arrives, so no client timeout.
        _http = new HttpClient(handler ?? new SocketsHttpHandler { UseProxy = false }, disposeHandler: true)
        {
            BaseAddress = new Uri($"http://{hostAndPort}/2018-06-01/"),
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>Waits for and returns the next invocation.</summary>
    public async Task<Invocation> GetNextInvocationAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync("runtime/invocation/next", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        var requestId = Header(response, "Lambda-Runtime-Aws-Request-Id")
            ?? throw new InvalidOperationException("The Runtime API sent an invocation without a request id.");
        var deadlineMs = long.TryParse(Header(response, "Lambda-Runtime-Deadline-Ms"), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? ms
            : DateTimeOffset.UtcNow.AddMinutes(15).ToUnixTimeMilliseconds();
        var payload = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return new Invocation(
            requestId,
            DateTimeOffset.FromUnixTimeMilliseconds(deadlineMs),
            Header(response, "Lambda-Runtime-Trace-Id"),
            payload);
    }

    /// <summary>Posts the invocation's response document.</summary>
    public async Task SendResponseAsync(string requestId, ReadOnlyMemory<byte> response, CancellationToken cancellationToken)
    {
        using var content = new ReadOnlyMemoryContent(response);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var reply = await _http.PostAsync($"runtime/invocation/{Uri.EscapeDataString(requestId)}/response", content, cancellationToken);
        reply.EnsureSuccessStatusCode();
    }

    /// <summary>Reports that the invocation failed.</summary>
    public Task ReportInvocationErrorAsync(string requestId, RuntimeError error, CancellationToken cancellationToken) =>
        PostErrorAsync($"runtime/invocation/{Uri.EscapeDataString(requestId)}/error", error, cancellationToken);

    /// <summary>Reports that the function could not initialise; Lambda then restarts the environment.</summary>
    public Task ReportInitErrorAsync(RuntimeError error, CancellationToken cancellationToken) =>
        PostErrorAsync("runtime/init/error", error, cancellationToken);

    private async Task PostErrorAsync(string path, RuntimeError error, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(error, LambdaJsonContext.Default.RuntimeError));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.TryAddWithoutValidation(ErrorTypeHeader, error.ErrorType);
        using var reply = await _http.SendAsync(request, cancellationToken);
        reply.EnsureSuccessStatusCode();
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();
}
