using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS;
using Xunit.Abstractions;

namespace Pipeline.Tests.EndToEnd;

/// <summary>
/// The whole local stack, as ./run.sh starts it but on free ports: moto on loopback, the
/// resources bootstrapped from template.yaml, the local API and the local worker (which
/// tests may kill and restart). Shared by the tests of the "stack" collection, which run
/// one after another.
/// </summary>
public sealed class PipelineStack : IAsyncLifetime
{
    /// <summary>How long a received message stays hidden in these tests (the queue's own is 6 minutes).</summary>
    public const int VisibilityTimeoutSeconds = 8;

    private ChildProcess? _moto;
    private ChildProcess? _api;

    /// <summary>The emulator's endpoint, e.g. http://127.0.0.1:40123.</summary>
    public string Endpoint { get; private set; } = "";

    /// <summary>The local API's base URL, with a trailing slash.</summary>
    public Uri ApiUrl { get; private set; } = null!;

    /// <summary>The environment every process and CLI call of the stack gets.</summary>
    public Dictionary<string, string> Environment { get; } = new();

    /// <summary>The worker host; replaced by <see cref="StartWorker"/>.</summary>
    public ChildProcess Worker { get; private set; } = null!;

    /// <summary>The API host.</summary>
    public ChildProcess Api => _api!;

    /// <summary>An S3 client on the emulator.</summary>
    public AmazonS3Client S3 { get; private set; } = null!;

    /// <summary>An SQS client on the emulator.</summary>
    public AmazonSQSClient Sqs { get; private set; } = null!;

    /// <summary>The input bucket's name, from the template.</summary>
    public string InputBucket => Environment["PIPELINE_INPUT_BUCKET"];

    /// <summary>The output bucket's name, from the template.</summary>
    public string OutputBucket => Environment["PIPELINE_OUTPUT_BUCKET"];

    /// <summary>The worker queue's name, from the template.</summary>
    public string QueueName => Environment["PIPELINE_QUEUE_NAME"];

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        int motoPort = Tools.FreePort();
        Endpoint = $"http://127.0.0.1:{motoPort}";
        Environment["AWS_ENDPOINT_URL"] = Endpoint;
        Environment["AWS_REGION"] = "us-east-1";
        Environment["AWS_DEFAULT_REGION"] = "us-east-1";
        Environment["AWS_ACCESS_KEY_ID"] = "test";
        Environment["AWS_SECRET_ACCESS_KEY"] = "test";
        foreach (var (key, value) in await TemplateEnvironmentAsync())
            Environment[key] = value;

        _moto = ChildProcess.Start("moto", "moto_server", ["-H", "127.0.0.1", "-p", motoPort.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await WaitForHttpAsync(new Uri(Endpoint), _moto);

        var bootstrap = await Tools.RunAsync("python3", ["localstack/bootstrap.py"], Environment);
        if (bootstrap.ExitCode != 0)
            throw new InvalidOperationException("bootstrap failed: " + bootstrap.Stderr);

        var credentials = new BasicAWSCredentials("test", "test");
        S3 = new AmazonS3Client(credentials, new AmazonS3Config { ServiceURL = Endpoint, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        Sqs = new AmazonSQSClient(credentials, new AmazonSQSConfig { ServiceURL = Endpoint, AuthenticationRegion = "us-east-1" });

        int apiPort = Tools.FreePort();
        ApiUrl = new Uri($"http://127.0.0.1:{apiPort}/");
        _api = StartLocal("api", ["api", "--port", apiPort.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await WaitForHttpAsync(new Uri(ApiUrl, "health"), _api);
        StartWorker();
        await Worker.WaitForLineAsync(l => l.Contains("local worker polling", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// Starts a (new) worker host; the previous one must have been stopped or killed.
    /// <paramref name="environment"/> overrides variables of <see cref="Environment"/> (e.g. an
    /// AWS_ENDPOINT_URL behind a proxy); <paramref name="options"/> overrides the worker's
    /// options (e.g. ["--pollers"] = "1").
    /// </summary>
    public ChildProcess StartWorker(IReadOnlyDictionary<string, string>? environment = null, IReadOnlyDictionary<string, string>? options = null)
    {
        Worker?.Dispose();
        var settings = new Dictionary<string, string>
        {
            ["--wait-seconds"] = "1",
            ["--visibility-timeout"] = VisibilityTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (name, value) in options ?? new Dictionary<string, string>())
            settings[name] = value;
        Worker = StartLocal("worker", ["worker", .. settings.SelectMany(s => new[] { s.Key, s.Value })], environment);
        return Worker;
    }

    /// <summary>
    /// Starts another API host on a free port with <paramref name="environment"/> overriding
    /// variables of <see cref="Environment"/> (e.g. PIPELINE_API_KEY); the caller disposes it.
    /// </summary>
    public async Task<(ChildProcess Process, Uri Url)> StartApiAsync(IReadOnlyDictionary<string, string> environment)
    {
        int port = Tools.FreePort();
        var url = new Uri($"http://127.0.0.1:{port}/");
        var api = StartLocal("api-" + port.ToString(System.Globalization.CultureInfo.InvariantCulture), ["api", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)], environment);
        await WaitForHttpAsync(new Uri(url, "health"), api);
        return (api, url);
    }

    /// <summary>Runs the AWS CLI against the emulator.</summary>
    public async Task<ToolResult> AwsAsync(params string[] arguments)
    {
        var result = await Tools.RunAsync("aws", ["--endpoint-url", Endpoint, .. arguments], Environment);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"aws {string.Join(' ', arguments)} failed ({result.ExitCode}): {result.Stderr}");
        return result;
    }

    /// <summary>Keys under <paramref name="prefix"/> in <paramref name="bucket"/>.</summary>
    public async Task<HashSet<string>> KeysAsync(string bucket, string prefix)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = prefix };
        ListObjectsV2Response page;
        do
        {
            page = await S3.ListObjectsV2Async(request);
            foreach (var o in page.S3Objects ?? [])
                keys.Add(o.Key);
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);
        return keys;
    }

    /// <summary>Waits until every key of <paramref name="expected"/> exists in the output bucket; returns the time it took.</summary>
    public async Task<TimeSpan> WaitForOutputsAsync(string prefix, IReadOnlyCollection<string> expected, TimeSpan timeout)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        HashSet<string> present;
        while (true)
        {
            present = await KeysAsync(OutputBucket, prefix);
            if (expected.All(present.Contains))
                return started.Elapsed;
            if (started.Elapsed > timeout)
                break;
            await Task.Delay(250);
        }
        var missing = expected.Where(k => !present.Contains(k)).Take(10);
        throw new TimeoutException($"after {timeout}: {expected.Count(k => !present.Contains(k))} outputs missing, e.g. {string.Join(", ", missing)}\nworker:\n{Worker.Tail()}");
    }

    /// <summary>Downloads an object.</summary>
    public async Task<(byte[] Bytes, GetObjectResponse Response)> GetAsync(string bucket, string key)
    {
        using var response = await S3.GetObjectAsync(bucket, key);
        using var buffer = new MemoryStream();
        await response.ResponseStream.CopyToAsync(buffer);
        return (buffer.ToArray(), response);
    }

    /// <summary>Test output for diagnostics on failure.</summary>
    public void Describe(ITestOutputHelper output)
    {
        output.WriteLine("api:\n" + Api.Tail(20));
        output.WriteLine("worker:\n" + Worker.Tail(20));
    }

    /// <inheritdoc/>
    public Task DisposeAsync()
    {
        Worker?.Dispose();
        _api?.Dispose();
        _moto?.Dispose();
        S3?.Dispose();
        Sqs?.Dispose();
        return Task.CompletedTask;
    }

    private ChildProcess StartLocal(string name, string[] arguments, IReadOnlyDictionary<string, string>? overrides = null)
    {
        var environment = new Dictionary<string, string>(Environment);
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
            environment[key] = value;
        return ChildProcess.Start(name, "dotnet", [LocalHostDll(), .. arguments], environment);
    }

    private static string LocalHostDll()
    {
        var candidates = new[] { "Debug", "Release" }
            .Select(c => Path.Combine(Artifacts.RepoRoot, "src", "Local", "bin", c, "net10.0", "pipeline-local.dll"))
            .Where(File.Exists)
            .OrderByDescending(File.GetLastWriteTimeUtc)
            .ToList();
        return candidates.FirstOrDefault() ?? throw new InvalidOperationException("pipeline-local.dll is not built; run dotnet build Pipeline.sln");
    }

    /// <summary>The functions' environment as template.yaml sets it, via the same bootstrap run.sh uses.</summary>
    private static async Task<Dictionary<string, string>> TemplateEnvironmentAsync()
    {
        var result = await Tools.RunAsync("python3", ["localstack/bootstrap.py", "--env"]);
        if (result.ExitCode != 0)
            throw new InvalidOperationException("bootstrap --env failed: " + result.Stderr);
        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line["export ".Length..].Split('=', 2))
            .ToDictionary(p => p[0], p => p[1].Trim('\''));
    }

    private static async Task WaitForHttpAsync(Uri url, ChildProcess process)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (!process.IsRunning)
                throw new InvalidOperationException($"{process.Name} exited:\n{process.Tail()}");
            try
            {
                using var response = await http.GetAsync(url);
                return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{url} did not answer:\n{process.Tail()}");
    }
}

/// <summary>The tests that share one <see cref="PipelineStack"/> and run one after another.</summary>
[CollectionDefinition("stack")]
public sealed class StackCollection : ICollectionFixture<PipelineStack>;
