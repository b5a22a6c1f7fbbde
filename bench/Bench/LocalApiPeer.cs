using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Pipeline.Tests;

namespace Pipeline.Bench;

/// <summary>
/// The local API as a client sees it: <c>pipeline-local api</c> (Release, JIT) in its own
/// process, in front of the same handler, called with <c>POST /grayscale</c> over one
/// keep-alive HTTP connection. The client streams each answer into a reused buffer, so what
/// is timed is the service and the wire, not the client's buffering. A call's CPU time is the
/// client's and the host's together.
/// </summary>
public sealed class LocalApiPeer : IDisposable
{
    private readonly ChildProcess _host;
    private readonly HttpClient _http;
    private readonly Uri _url;
    private readonly byte[] _answer = new byte[16 * 1024 * 1024];
    private int _linesRead;
    private int _answered;
    private int _recordsSeen;

    private LocalApiPeer(ChildProcess host, Uri url)
    {
        _host = host;
        _url = url;
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10) });
    }

    /// <summary>The host's process id.</summary>
    public int Id => _host.Id;

    /// <summary>The Release build of the local hosts, as ./bench.sh builds it.</summary>
    public static string LocalHostDll
    {
        get
        {
            var dll = Path.Combine(Artifacts.RepoRoot, "src", "Local", "bin", "Release", "net10.0", "pipeline-local.dll");
            return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} is missing: dotnet build src/Local -c Release");
        }
    }

    /// <summary>
    /// Starts the host on a free port. The inline route touches no storage, so the buckets and
    /// the endpoint are placeholders that are never called.
    /// </summary>
    public static async Task<LocalApiPeer> StartAsync()
    {
        int port = Tools.FreePort();
        var environment = await TemplateEnvironment.ReadAsync(); // the function's timeout, among others
        environment["PIPELINE_INPUT_BUCKET"] = "bench-input";
        environment["PIPELINE_OUTPUT_BUCKET"] = "bench-output";
        environment["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9";
        environment["AWS_REGION"] = "us-east-1";
        environment["AWS_ACCESS_KEY_ID"] = "bench";
        environment["AWS_SECRET_ACCESS_KEY"] = "bench";
        var host = ChildProcess.Start("pipeline-local api", "dotnet", [LocalHostDll, "api", "--port", port.ToString(CultureInfo.InvariantCulture)], environment);
        var url = new Uri($"http://127.0.0.1:{port}/");
        await Tools.WaitForHttpAsync(new Uri(url, "health"), host);
        return new LocalApiPeer(host, url);
    }

    /// <summary>POSTs <paramref name="jpeg"/> once and returns the answer's bytes.</summary>
    public byte[] Convert(byte[] jpeg)
    {
        int length = Post(jpeg);
        return _answer.AsSpan(0, length).ToArray();
    }

    /// <summary>Times <paramref name="calls"/> POSTs of <paramref name="jpeg"/>: client wall time; client plus host CPU time.</summary>
    public Timing[] Run(byte[] jpeg, int calls)
    {
        var timings = new Timing[calls];
        for (int i = 0; i < calls; i++)
        {
            var hostCpu = ProcStats.TaskCpuTime(_host.Id) + ProcStats.ConverterCpuTime(_host.Id);
            var clientCpu = ProcStats.OwnCpuTime();
            long wall = Stopwatch.GetTimestamp();
            Post(jpeg);
            var elapsed = Stopwatch.GetElapsedTime(wall);
            var cpu = ProcStats.OwnCpuTime() - clientCpu + (ProcStats.TaskCpuTime(_host.Id) + ProcStats.ConverterCpuTime(_host.Id) - hostCpu);
            timings[i] = new Timing(elapsed.TotalMilliseconds, cpu.TotalMilliseconds);
        }
        return timings;
    }

    /// <summary>
    /// The gateway's stage times (its access-log records: field name → milliseconds) of the
    /// requests answered since the last call, one per request in order; waits for the records
    /// of requests already answered to arrive.
    /// </summary>
    public List<Dictionary<string, double>> NewGatewayRecords()
    {
        var records = new List<Dictionary<string, double>>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_recordsSeen < _answered)
        {
            foreach (var line in _host.Lines.Skip(_linesRead).ToList())
            {
                _linesRead++;
                if (!line.StartsWith('{'))
                    continue;
                using var record = JsonDocument.Parse(line);
                // Metric records (Embedded Metric Format) have no msg.
                if (!record.RootElement.TryGetProperty("msg", out var message) || message.GetString() != "gateway"
                    || record.RootElement.GetProperty("path").GetString() != "/grayscale")
                    continue; // also the start-up health check
                _recordsSeen++;
                records.Add(record.RootElement.EnumerateObject()
                    .Where(p => p.Name.EndsWith("Ms", StringComparison.Ordinal))
                    .ToDictionary(p => p.Name, p => p.Value.GetDouble()));
            }
            if (_recordsSeen < _answered)
            {
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"the local API logged {_recordsSeen} gateway records for {_answered} answers:\n{_host.Tail()}");
                Thread.Sleep(5);
            }
        }
        return records;
    }

    private int Post(byte[] jpeg)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_url, "grayscale")) { Content = new ByteArrayContent(jpeg) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("*/*"));
        using var response = _http.Send(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode != HttpStatusCode.OK || response.Content.Headers.ContentLength is not { } length)
            throw new InvalidOperationException($"the local API answered {(int)response.StatusCode}: {response.Content.ReadAsStringAsync().GetAwaiter().GetResult()}");
        using var body = response.Content.ReadAsStream();
        body.ReadExactly(_answer, 0, (int)length);
        _answered++;
        return (int)length;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _http.Dispose();
        _host.Dispose();
    }
}
