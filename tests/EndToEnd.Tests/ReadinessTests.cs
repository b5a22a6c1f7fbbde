using System.Net;
using System.Text.Json;

namespace Pipeline.Tests.EndToEnd;

/// <summary>
/// The local API host's readiness, <c>GET /_local/ready</c>, which ./run.sh waits for: ready only
/// when the API's buckets answer, while the API's own <c>/health</c> stays a constant answer that
/// touches nothing.
/// </summary>
[Collection("stack")]
public sealed class ReadinessTests : IDisposable
{
    private readonly PipelineStack _stack;
    private readonly HttpClient _http = new();

    public ReadinessTests(PipelineStack stack) => _stack = stack;

    [Fact]
    public async Task With_both_buckets_answering_it_is_ready()
    {
        var (status, body) = await ReadyAsync(_stack.ApiUrl);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ready", body.GetProperty("status").GetString());
        Assert.Equal(new Uri(_stack.Endpoint), new Uri(body.GetProperty("storage").GetProperty("endpoint").GetString()!));
        Assert.Equal("ok", body.GetProperty("storage").GetProperty(_stack.InputBucket).GetString());
        Assert.Equal("ok", body.GetProperty("storage").GetProperty(_stack.OutputBucket).GetString());
    }

    [Fact]
    public async Task With_storage_down_or_a_bucket_missing_it_is_not_ready_and_says_which_while_health_stays_ok()
    {
        var closed = $"http://127.0.0.1:{Tools.FreePort()}";
        var (down, downUrl) = await _stack.StartApiAsync(new Dictionary<string, string> { ["AWS_ENDPOINT_URL"] = closed });
        // A host configured with a bucket the stack has not, signing as no role: its calls are not
        // the API role's, whose IAM the stack's recorder judges.
        var (missing, missingUrl) = await _stack.StartApiAsync(new Dictionary<string, string>
        {
            ["PIPELINE_OUTPUT_BUCKET"] = "no-such-bucket",
            ["AWS_ACCESS_KEY_ID"] = "misconfigured-api-host",
        });
        using (down)
        using (missing)
        {
            var (downStatus, downBody) = await ReadyAsync(downUrl);
            var (missingStatus, missingBody) = await ReadyAsync(missingUrl);
            using var health = await _http.GetAsync(new Uri(downUrl, "health"));

            Assert.Equal(HttpStatusCode.ServiceUnavailable, downStatus);
            Assert.Equal("not ready", downBody.GetProperty("status").GetString());
            Assert.StartsWith("unreachable (", downBody.GetProperty("storage").GetProperty(_stack.InputBucket).GetString(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, missingStatus);
            Assert.Equal("ok", missingBody.GetProperty("storage").GetProperty(_stack.InputBucket).GetString());
            Assert.StartsWith("missing", missingBody.GetProperty("storage").GetProperty("no-such-bucket").GetString(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal("""{"status":"ok"}""", await health.Content.ReadAsStringAsync());
        }
    }

    public void Dispose() => _http.Dispose();

    private async Task<(HttpStatusCode Status, JsonElement Body)> ReadyAsync(Uri api)
    {
        using var response = await _http.GetAsync(new Uri(api, "_local/ready"));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, document.RootElement.Clone());
    }
}
