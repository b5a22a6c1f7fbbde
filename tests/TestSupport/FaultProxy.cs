using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Pipeline.Tests;

/// <summary>A request as the proxy sees it: the method and the decoded path (path-style S3: /bucket/key).</summary>
public sealed record ProxiedRequest(string Method, string Path);

/// <summary>What a <see cref="Fault"/> does to the requests it matches.</summary>
public enum FaultKind
{
    /// <summary>Answers with an error status and an S3-style XML error body, as S3 does when it is overloaded.</summary>
    Status,
    /// <summary>Closes the connection without any response, as a crashing endpoint does.</summary>
    Drop,
}

/// <summary>One fault rule of a <see cref="FaultProxy"/>: which requests, what happens, how many times.</summary>
public sealed class Fault
{
    private int _remaining;
    private int _injected;

    internal Fault(string name, Func<ProxiedRequest, bool> matches, FaultKind kind, int status, int times)
    {
        Name = name;
        Matches = matches;
        Kind = kind;
        StatusCode = status;
        _remaining = times;
    }

    /// <summary>A description for messages.</summary>
    public string Name { get; }

    /// <summary>Which requests it applies to.</summary>
    public Func<ProxiedRequest, bool> Matches { get; }

    /// <summary>What it does.</summary>
    public FaultKind Kind { get; }

    /// <summary>The status it answers with, for <see cref="FaultKind.Status"/>.</summary>
    public int StatusCode { get; }

    /// <summary>How many requests it has failed so far.</summary>
    public int Injected => Volatile.Read(ref _injected);

    /// <summary>Stops it: matching requests are forwarded from now on.</summary>
    public void Clear() => Volatile.Write(ref _remaining, 0);

    /// <summary>Takes one use, if any is left.</summary>
    internal bool TryTake(ProxiedRequest request)
    {
        if (!Matches(request))
            return false;
        while (true)
        {
            int left = Volatile.Read(ref _remaining);
            if (left <= 0)
                return false;
            int next = left == int.MaxValue ? left : left - 1;
            if (Interlocked.CompareExchange(ref _remaining, next, left) == left)
            {
                Interlocked.Increment(ref _injected);
                return true;
            }
        }
    }
}

/// <summary>
/// An HTTP proxy on loopback, placed between a process under test and an AWS endpoint (moto):
/// it forwards every request unchanged, except those a <see cref="Fault"/> matches, which are
/// answered with an error status or have their connection dropped. It can also refuse all
/// connections for a while, as an endpoint that is restarting does. Requests keep their Host
/// header, so URLs the endpoint builds from it (queue URLs) point back at the proxy.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "Expect", "TE", "Trailer",
    };

    private readonly Uri _upstream;
    private readonly int _port;
    private readonly HttpClient _client;
    private readonly ConcurrentQueue<Fault> _faults = new();
    private readonly ConcurrentQueue<string> _injected = new();
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private WebApplication? _app;
    private CancellationTokenSource _stopping = new();
    private int _forwarded;
    private int _outages;

    private FaultProxy(Uri upstream, int port)
    {
        _upstream = upstream;
        _port = port;
        _client = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
        })
        {
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    /// <summary>The proxy's base URL, e.g. http://127.0.0.1:40125.</summary>
    public Uri Url => new($"http://127.0.0.1:{_port}");

    /// <summary>Requests forwarded to the endpoint so far.</summary>
    public int Forwarded => Volatile.Read(ref _forwarded);

    /// <summary>Every fault injected so far, one line each ("GET /bucket/key: 503").</summary>
    public IReadOnlyCollection<string> Injected => _injected;

    /// <summary>How many times connections were refused for a while.</summary>
    public int Outages => Volatile.Read(ref _outages);

    /// <summary>Sees each request as it is forwarded, with its whole body (e.g. <see cref="Iam.AwsCallRecorder"/>).</summary>
    public Action<HttpRequest, ReadOnlyMemory<byte>>? Observe { get; set; }

    /// <summary>Starts a proxy to <paramref name="upstream"/> on a free loopback port.</summary>
    public static async Task<FaultProxy> StartAsync(Uri upstream)
    {
        var proxy = new FaultProxy(upstream, Tools.FreePort());
        await proxy.ListenAsync();
        return proxy;
    }

    /// <summary>Requests to one S3 object (or every key under a prefix), path-style.</summary>
    public static Func<ProxiedRequest, bool> S3(string method, string bucket, string keyOrPrefix) =>
        r => r.Method == method && r.Path.StartsWith($"/{bucket}/{keyOrPrefix}", StringComparison.Ordinal);

    /// <summary>Answers matching requests with <paramref name="status"/>, <paramref name="times"/> times (int.MaxValue: always).</summary>
    public Fault Fail(string name, Func<ProxiedRequest, bool> matches, int status, int times = int.MaxValue) =>
        Add(new Fault(name, matches, FaultKind.Status, status, times));

    /// <summary>Drops the connection of matching requests without answering, <paramref name="times"/> times.</summary>
    public Fault Drop(string name, Func<ProxiedRequest, bool> matches, int times = int.MaxValue) =>
        Add(new Fault(name, matches, FaultKind.Drop, 0, times));

    /// <summary>
    /// Closes the listening socket and every open connection (requests in flight are cut off),
    /// refuses connections for <paramref name="duration"/>, then listens again on the same port.
    /// </summary>
    public async Task RefuseConnectionsAsync(TimeSpan duration)
    {
        await StopListeningAsync();
        Interlocked.Increment(ref _outages);
        _injected.Enqueue($"connections refused for {duration.TotalSeconds:0.#} s");
        await Task.Delay(duration);
        await ListenAsync();
    }

    private Fault Add(Fault fault)
    {
        _faults.Enqueue(fault);
        return fault;
    }

    private async Task ListenAsync()
    {
        await _lifecycle.WaitAsync();
        try
        {
            _stopping = new CancellationTokenSource();
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            // A restart cuts requests off instead of waiting for them, as a crashing endpoint does.
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(200));
            builder.WebHost.UseKestrel(k =>
            {
                k.AddServerHeader = false;
                k.Limits.MaxRequestBodySize = null;
            });
            builder.WebHost.UseUrls(Url.ToString());
            var app = builder.Build();
            app.Run(HandleAsync);
            // The port was released a moment ago; a lingering socket can delay the rebind briefly.
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    await app.StartAsync();
                    break;
                }
                catch (IOException) when (attempt < 50)
                {
                    await Task.Delay(100);
                }
            }
            _app = app;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    private async Task StopListeningAsync()
    {
        await _lifecycle.WaitAsync();
        try
        {
            if (_app is null)
                return;
            await _stopping.CancelAsync();
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
            _stopping.Dispose();
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = new ProxiedRequest(context.Request.Method, context.Request.Path.Value ?? "/");
        var fault = _faults.FirstOrDefault(f => f.TryTake(request));
        if (fault is { Kind: FaultKind.Drop })
        {
            _injected.Enqueue($"{request.Method} {request.Path}: dropped ({fault.Name})");
            context.Abort();
            return;
        }
        if (fault is not null)
        {
            _injected.Enqueue($"{request.Method} {request.Path}: {fault.StatusCode} ({fault.Name})");
            await WriteS3ErrorAsync(context, fault.StatusCode);
            return;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, context.RequestAborted);
        try
        {
            await ForwardAsync(context, stop.Token);
            Interlocked.Increment(ref _forwarded);
        }
        catch (Exception e) when (e is OperationCanceledException or HttpRequestException or IOException)
        {
            // The proxy is restarting or the endpoint went away: the client sees its connection cut.
            context.Abort();
        }
    }

    private async Task ForwardAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var incoming = context.Request;
        // Bodies are buffered so the endpoint always gets a Content-Length, never a re-chunked stream.
        using var body = new MemoryStream();
        await incoming.Body.CopyToAsync(body, cancellationToken);
        Observe?.Invoke(incoming, body.GetBuffer().AsMemory(0, (int)body.Length));

        var target = new Uri(_upstream, incoming.Path.ToUriComponent() + incoming.QueryString.ToUriComponent());
        using var outgoing = new HttpRequestMessage(new HttpMethod(incoming.Method), target)
        {
            Content = new ByteArrayContent(body.ToArray()),
        };
        foreach (var (name, values) in incoming.Headers)
        {
            if (HopByHop.Contains(name) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                continue;
            if (!outgoing.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)values))
                outgoing.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)values);
        }

        using var response = await _client.SendAsync(outgoing, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!HopByHop.Contains(name))
                context.Response.Headers[name] = values.ToArray();
        }
        if (incoming.Method != HttpMethods.Head)
            await response.Content.CopyToAsync(context.Response.Body, cancellationToken);
    }

    private static async Task WriteS3ErrorAsync(HttpContext context, int status)
    {
        var (code, message) = status switch
        {
            503 => ("SlowDown", "Please reduce your request rate."),
            _ => ("InternalError", "We encountered an internal error. Please try again."),
        };
        var xml = Encoding.UTF8.GetBytes($"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message><RequestId>fault-proxy</RequestId></Error>");
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/xml";
        context.Response.ContentLength = xml.Length;
        await context.Response.Body.WriteAsync(xml);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopListeningAsync();
        _client.Dispose();
        _lifecycle.Dispose();
    }
}
