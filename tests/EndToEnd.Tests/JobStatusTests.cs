using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.S3.Model;
using Pipeline.Api;
using Pipeline.Aws;
using Pipeline.Jobs;
using Pipeline.Lambda;

namespace Pipeline.Tests.EndToEnd;

/// <summary>How GET /jobs/{id} reads the states a job can end in, through the API function against moto.</summary>
public sealed class JobStatusTests : IAsyncLifetime
{
    private MotoServer _moto = null!;
    private ApiFunction _api = null!;
    private JobStore _store = null!;

    public async Task InitializeAsync()
    {
        _moto = await MotoServer.StartAsync();
        string? Variable(string name) => _moto.Environment.GetValueOrDefault(name);
        _api = ApiFunction.FromEnvironment(Variable);
        var aws = AwsEnvironment.FromEnvironment(Variable);
        _store = new JobStore(aws.CreateS3Client(), StorageOptions.FromEnvironment(Variable), aws.UsesHttp, TimeProvider.System);
    }

    public async Task DisposeAsync() => await _moto.DisposeAsync();

    [Fact]
    public async Task A_job_the_worker_gave_up_on_is_a_503_not_the_clients_422()
    {
        var (id, source) = await UploadAsync(TestImages.Jpeg(32, 32));

        await _store.ReportGivingUpAsync(source, "Processing failed 5 times (TimeoutException); the event is in the dead-letter queue and can be redriven.", CancellationToken.None);

        var (status, body) = await GetAsync("/jobs/" + id);
        Assert.Equal(503, status);
        Assert.Equal("failed", (string?)body["status"]);
        Assert.Equal("unavailable", (string?)body["error"]!["code"]);
    }

    [Fact]
    public async Task An_unreadable_report_is_a_json_answer_not_a_crash()
    {
        var (id, _) = await UploadAsync(TestImages.Jpeg(32, 32));
        var put = new PutObjectRequest { BucketName = _moto.OutputBucket, Key = ObjectKeys.Error("uploads/" + id), ContentBody = "<html>not a report</html>" };
        put.Metadata[ObjectKeys.SourceKeyMetadata] = ObjectKeys.SourceStamp("uploads/" + id);
        await _moto.S3.PutObjectAsync(put);

        var (status, body) = await GetAsync("/jobs/" + id);

        Assert.Equal(503, status);
        Assert.Equal("internal_error", (string?)body["error"]!["code"]);
        Assert.DoesNotContain("html", body.ToJsonString(), StringComparison.Ordinal);
    }

    private async Task<(string Id, SourceObject Source)> UploadAsync(byte[] image)
    {
        var (status, created) = await InvokeAsync(ApiEvents.RestV1("POST", "/uploads").WithTextBody($$"""{"contentType":"image/jpeg","contentLength":{{image.Length}}}"""));
        Assert.Equal(201, status);
        var id = (string)created["id"]!;
        using var http = new HttpClient();
        using (var put = await PresignedPut.SendAsync(http, (string)created["upload"]!["url"]!, image, "image/jpeg"))
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var etag = (await _moto.S3.GetObjectMetadataAsync(_moto.InputBucket, "uploads/" + id)).ETag.Trim('"');
        return (id, new SourceObject(_moto.InputBucket, "uploads/" + id, etag, image.Length));
    }

    private Task<(int Status, JsonNode Body)> GetAsync(string path) => InvokeAsync(ApiEvents.RestV1("GET", path));

    private async Task<(int Status, JsonNode Body)> InvokeAsync(JsonObject e)
    {
        var invocation = new Invocation(Guid.NewGuid().ToString(), DateTimeOffset.UtcNow.AddSeconds(29), null, e.ToPayload());
        var document = JsonNode.Parse((await _api.HandleAsync(invocation, CancellationToken.None)).Span)!;
        return ((int)document["statusCode"]!, JsonNode.Parse(Encoding.UTF8.GetBytes((string?)document["body"] ?? "{}"))!);
    }
}
