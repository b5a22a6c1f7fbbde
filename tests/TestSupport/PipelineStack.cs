using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS;
using Pipeline.Tests.Iam;
using Xunit;

namespace Pipeline.Tests;

/// <summary>
/// The whole local stack, as ./run.sh starts it but on free ports: moto on loopback, the
/// resources bootstrapped from template.yaml, the local API and the local worker (which
/// tests may kill and restart). A test project shares one through an xunit collection
/// fixture, so its tests run one after another. Every AWS call goes through a proxy that
/// records it (<see cref="Calls"/>), and the API and worker hosts sign with their role's
/// placeholder key, so each call can be checked against that role's policy.
/// </summary>
public sealed class PipelineStack : IAsyncLifetime
{
    /// <summary>How long a received message stays hidden in these tests (the queue's own is 6 minutes).</summary>
    public const int VisibilityTimeoutSeconds = LocalHost.VisibilityTimeoutSeconds;

    private MotoServer? _moto;
    private FaultProxy? _recording;
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
    public AmazonS3Client S3 { get; private set; } = null!; // owned by the moto server

    /// <summary>An SQS client on the emulator.</summary>
    public AmazonSQSClient Sqs { get; private set; } = null!;

    /// <summary>The input bucket's name, from the template.</summary>
    public string InputBucket => Environment["PIPELINE_INPUT_BUCKET"];

    /// <summary>The output bucket's name, from the template.</summary>
    public string OutputBucket => Environment["PIPELINE_OUTPUT_BUCKET"];

    /// <summary>The worker queue's name, from the template.</summary>
    public string QueueName => Environment["PIPELINE_QUEUE_NAME"];

    /// <summary>Every AWS call made through <see cref="Endpoint"/> so far, by whom.</summary>
    public AwsCallRecorder Calls { get; } = new();

    /// <summary><see cref="Environment"/> as a process acting as <paramref name="role"/> (a role's logical id) gets it.</summary>
    public Dictionary<string, string> EnvironmentOf(string role) => Merged(null, role);

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        _moto = await MotoServer.StartAsync();
        _recording = await FaultProxy.StartAsync(new Uri(_moto.Endpoint));
        _recording.Observe = Calls.Observe;
        Endpoint = _recording.Url.ToString().TrimEnd('/');
        foreach (var (key, value) in _moto.Environment)
            Environment[key] = value;
        Environment["AWS_ENDPOINT_URL"] = Endpoint;
        S3 = _moto.S3;
        Sqs = new AmazonSQSClient(new BasicAWSCredentials("test", "test"), new AmazonSQSConfig { ServiceURL = Endpoint, AuthenticationRegion = "us-east-1" });

        int apiPort = Tools.FreePort();
        ApiUrl = new Uri($"http://127.0.0.1:{apiPort}/");
        _api = StartLocal("api", ["api", "--port", apiPort.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await Tools.WaitForHttpAsync(new Uri(ApiUrl, "health"), _api);
        await LocalHost.WaitUntilPollingAsync(StartWorker());
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
        Worker = LocalHost.StartWorker(Merged(environment, "WorkerFunctionRole"), options);
        return Worker;
    }

    /// <summary>
    /// Starts another API host on a free port with <paramref name="environment"/> overriding
    /// variables of <see cref="Environment"/> (e.g. PIPELINE_API_KEY) and extra command-line
    /// <paramref name="options"/> (e.g. "--read-timeout", "2"); the caller disposes it.
    /// </summary>
    public async Task<(ChildProcess Process, Uri Url)> StartApiAsync(IReadOnlyDictionary<string, string> environment, params string[] options)
    {
        int port = Tools.FreePort();
        var url = new Uri($"http://127.0.0.1:{port}/");
        var api = StartLocal("api-" + port.ToString(System.Globalization.CultureInfo.InvariantCulture), ["api", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. options], environment);
        await Tools.WaitForHttpAsync(new Uri(url, "health"), api);
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
    public Task<HashSet<string>> KeysAsync(string bucket, string prefix) => _moto!.KeysAsync(bucket, prefix);

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
    public Task<(byte[] Bytes, GetObjectResponse Response)> GetAsync(string bucket, string key) => _moto!.GetAsync(bucket, key);

    /// <summary>The hosts' last lines of output, for a failure's message.</summary>
    public string Describe() => "api:\n" + Api.Tail(20) + "\nworker:\n" + Worker.Tail(20);

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        Worker?.Dispose();
        _api?.Dispose();
        Sqs?.Dispose();
        if (_recording is not null)
            await _recording.DisposeAsync();
        if (_moto is not null)
            await _moto.DisposeAsync();
    }

    private ChildProcess StartLocal(string name, string[] arguments, IReadOnlyDictionary<string, string>? overrides = null) =>
        LocalHost.Start(name, arguments, Merged(overrides, "ApiFunctionRole"));

    private Dictionary<string, string> Merged(IReadOnlyDictionary<string, string>? overrides, string role)
    {
        var environment = new Dictionary<string, string>(Environment) { ["AWS_ACCESS_KEY_ID"] = AwsCallRecorder.AccessKey(role) };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
            environment[key] = value;
        return environment;
    }
}
