using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using Amazon.S3.Model;
using Pipeline.Imaging;
using Pipeline.Jobs;
using Xunit.Abstractions;

namespace Pipeline.Tests.EndToEnd;

/// <summary>The hostile corpus through the running stack: the local API over HTTP, and the worker through the input bucket.</summary>
[Collection("stack")]
public sealed class HostileTests : IDisposable
{
    // API Gateway gives up on an integration after 29 s; an answer later than that is a hang.
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);
    private const long MaxApiPeakBytes = 200_000_000;

    private readonly PipelineStack _stack;
    private readonly ITestOutputHelper _output;
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };

    public HostileTests(PipelineStack stack, ITestOutputHelper output)
    {
        _stack = stack;
        _output = output;
    }

    [Fact]
    public async Task Every_case_gets_its_answer_from_the_local_api_in_time_and_within_200_MB()
    {
        int api = _stack.Api.Id;
        PeakMemory.Reset(api);
        long startRss = PeakMemory.Bytes(api);
        (long Bytes, string Case) peak = (startRss, "(before)");
        var clock = Stopwatch.StartNew();

        foreach (var hostile in HostileCorpus.All.Values)
        {
            _output.WriteLine($"POST {hostile.Name} ({hostile.Body.Length} bytes, {hostile.ContentType})"); // names the case a hang stops at
            using var content = new ByteArrayContent(hostile.Body);
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(hostile.ContentType);
            using var timeout = new CancellationTokenSource(RequestTimeout);
            using var response = await _http.PostAsync(new Uri(_stack.ApiUrl, "grayscale"), content, timeout.Token);
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            if (PeakMemory.Bytes(api) > peak.Bytes)
                peak = (PeakMemory.Bytes(api), hostile.Name);

            int status = (int)response.StatusCode;
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            if (hostile.IsImage)
            {
                var output = hostile.Format!.Value.DefaultOutput();
                Assert.True(status == 200 && mediaType == output.MediaType(), $"{hostile.Name}: {status} {mediaType}, expected 200 {output.MediaType()}");
                using var gray = PixelAssert.IsGray(body, tolerance: output == ImageFormat.WebP ? 1 : 0);
                Assert.Equal(hostile.Size, gray.Size());
            }
            else
            {
                Assert.True(status == hostile.Status && mediaType == "application/json", $"{hostile.Name}: {status} {mediaType}, expected {hostile.Status} application/json");
                using var json = JsonDocument.Parse(body);
                Assert.Equal(hostile.Code, json.RootElement.GetProperty("error").GetProperty("code").GetString());
            }
        }

        _output.WriteLine($"{HostileCorpus.All.Count} cases in {clock.Elapsed.TotalSeconds:0.0} s; API peak RSS {peak.Bytes / 1e6:0} MB (at {peak.Case}), {startRss / 1e6:0} MB before");
        Assert.True(peak.Bytes < MaxApiPeakBytes, $"the API's peak RSS reached {peak.Bytes / 1e6:0} MB at {peak.Case}, from {startRss / 1e6:0} MB");
        Assert.True(_stack.Api.IsRunning);
    }

    [Fact]
    public async Task Every_case_uploaded_to_the_input_bucket_yields_its_result_or_its_error_report()
    {
        var prefix = $"hostile-{Guid.NewGuid():N}/";
        var cases = HostileCorpus.All.Values.ToList();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (hostile, cancellationToken) =>
            await _stack.S3.PutObjectAsync(new PutObjectRequest
            {
                BucketName = _stack.InputBucket,
                Key = prefix + hostile.Name,
                InputStream = new MemoryStream(hostile.Body),
                ContentType = hostile.ContentType,
            }, cancellationToken));
        var expected = cases.Select(c => c.IsImage ? prefix + c.Name : ObjectKeys.Error(prefix + c.Name)).ToList();

        await _stack.WaitForOutputsAsync(prefix, expected, TimeSpan.FromMinutes(4));
        _output.WriteLine($"{cases.Count} objects: all outputs present {clock.Elapsed.TotalSeconds:0.0} s after the first upload");

        // Exactly these: no result for a rejected input, no report for a converted one.
        Assert.Equal(expected.Order(StringComparer.Ordinal), (await _stack.KeysAsync(_stack.OutputBucket, prefix)).Order(StringComparer.Ordinal));
        foreach (var hostile in cases)
        {
            var key = prefix + hostile.Name;
            if (hostile.IsImage)
            {
                var (bytes, response) = await _stack.GetAsync(_stack.OutputBucket, key);
                Assert.True(response.Headers.ContentType == hostile.Format!.Value.DefaultOutput().MediaType(), $"{hostile.Name}: {response.Headers.ContentType}");
                using var gray = PixelAssert.IsGray(bytes, tolerance: hostile.Format.Value.DefaultOutput() == ImageFormat.WebP ? 1 : 0);
                Assert.Equal(hostile.Size, gray.Size());
            }
            else
            {
                var (bytes, _) = await _stack.GetAsync(_stack.OutputBucket, ObjectKeys.Error(key));
                using var report = JsonDocument.Parse(bytes);
                Assert.True(hostile.Code == report.RootElement.GetProperty("code").GetString(), $"{hostile.Name}: {report.RootElement}");
                Assert.Equal(key, report.RootElement.GetProperty("sourceKey").GetString());
            }
        }
        Assert.True(_stack.Worker.IsRunning);
    }

    public void Dispose() => _http.Dispose();
}
