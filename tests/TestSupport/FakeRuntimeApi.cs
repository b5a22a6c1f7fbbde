using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Pipeline.Tests;

/// <summary>What a function posted back to the Runtime API.</summary>
/// <param name="Kind">"response", "error" or "init-error"; "refused" for a response over the payload limit.</param>
/// <param name="RequestId">The invocation's id; null for an init error.</param>
/// <param name="Body">The posted document.</param>
/// <param name="ErrorType">The Lambda-Runtime-Function-Error-Type header, if any.</param>
public sealed record RuntimeApiPost(string Kind, string? RequestId, byte[] Body, string? ErrorType);

/// <summary>
/// An in-process stand-in for Lambda's Runtime API (2018-06-01) on a random loopback port:
/// invocations are queued by the test, handed out on GET /runtime/invocation/next, and what
/// the function posts back is recorded. It answers as Lambda (and its Runtime Interface
/// Emulator) does: 202 for an accepted post; 413 <c>RequestEntityTooLarge</c> for a response
/// over the 6 MB payload limit, which ends the invocation; and 403
/// <c>InvalidStateTransition</c> for any post about an invocation already answered. Point
/// AWS_LAMBDA_RUNTIME_API at <see cref="HostAndPort"/>.
/// </summary>
public sealed class FakeRuntimeApi : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<(string Id, byte[] Payload, long DeadlineMs, string? TraceId)> _pending = Channel.CreateUnbounded<(string, byte[], long, string?)>();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<RuntimeApiPost>> _replies = new();
    private readonly TaskCompletionSource<RuntimeApiPost> _initError = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<string, bool> _answered = new();
    private readonly ConcurrentQueue<(string Kind, string Id, int Status)> _refused = new();

    /// <summary>Lambda's synchronous response payload limit.</summary>
    public const int MaxResponseBytes = 6 * 1024 * 1024;

    private FakeRuntimeApi(WebApplication app) => _app = app;

    /// <summary>host:port, the value for AWS_LAMBDA_RUNTIME_API.</summary>
    public string HostAndPort { get; private set; } = "";

    /// <summary>How many times the function has asked for the next invocation.</summary>
    public int NextRequests => Volatile.Read(ref _nextRequests);
    private int _nextRequests;
    private readonly SemaphoreSlim _nextRequested = new(0);

    /// <summary>Waits until the function has asked for the next invocation <paramref name="count"/> times (it is then waiting for the last).</summary>
    public async Task WaitForNextRequestsAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (NextRequests < count)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await _nextRequested.WaitAsync(left))
                throw new TimeoutException($"the function asked for the next invocation {NextRequests} times, not {count}, within {timeout}");
        }
    }

    /// <summary>Starts the fake on 127.0.0.1 and a free port.</summary>
    public static async Task<FakeRuntimeApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Limits.MaxRequestBodySize = null);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new FakeRuntimeApi(app);
        app.MapGet("/2018-06-01/runtime/invocation/next", fake.NextAsync);
        app.MapPost("/2018-06-01/runtime/invocation/{id}/response", (HttpContext c, string id) => fake.RecordAsync(c, "response", id));
        app.MapPost("/2018-06-01/runtime/invocation/{id}/error", (HttpContext c, string id) => fake.RecordAsync(c, "error", id));
        app.MapPost("/2018-06-01/runtime/init/error", (HttpContext c) => fake.RecordAsync(c, "init-error", null));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.HostAndPort = new Uri(address).Authority;
        return fake;
    }

    /// <summary>Queues an invocation and returns a task completed by the function's response or error.</summary>
    public Task<RuntimeApiPost> InvokeAsync(byte[] payload, string? requestId = null, TimeSpan? timeout = null, string? traceId = null)
    {
        var id = requestId ?? Guid.NewGuid().ToString();
        var reply = _replies.GetOrAdd(id, _ => new TaskCompletionSource<RuntimeApiPost>(TaskCreationOptions.RunContinuationsAsynchronously));
        var deadline = DateTimeOffset.UtcNow.Add(timeout ?? TimeSpan.FromMinutes(1)).ToUnixTimeMilliseconds();
        _pending.Writer.TryWrite((id, payload, deadline, traceId));
        return reply.Task;
    }

    /// <summary>Posts the fake refused, in order: kind ("response" or "error"), request id and status.</summary>
    public IReadOnlyCollection<(string Kind, string Id, int Status)> Refused => _refused;

    /// <summary>Completes when the function reports an initialisation error.</summary>
    public Task<RuntimeApiPost> InitError => _initError.Task;

    private async Task NextAsync(HttpContext context)
    {
        Interlocked.Increment(ref _nextRequests);
        _nextRequested.Release();
        var (id, payload, deadline, traceId) = await _pending.Reader.ReadAsync(context.RequestAborted);
        context.Response.Headers["Lambda-Runtime-Aws-Request-Id"] = id;
        context.Response.Headers["Lambda-Runtime-Deadline-Ms"] = deadline.ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.Headers["Lambda-Runtime-Invoked-Function-Arn"] = "arn:aws:lambda:us-east-1:000000000000:function:test";
        if (traceId is not null)
            context.Response.Headers["Lambda-Runtime-Trace-Id"] = traceId;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = payload.Length;
        await context.Response.Body.WriteAsync(payload);
    }

    private async Task RecordAsync(HttpContext context, string kind, string? id)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var post = new RuntimeApiPost(kind, id, body.ToArray(), context.Request.Headers["Lambda-Runtime-Function-Error-Type"].FirstOrDefault());
        if (id is null)
        {
            _initError.TrySetResult(post);
            context.Response.StatusCode = 202;
            return;
        }
        if (!_answered.TryAdd(id, true))
        {
            await RefuseAsync(context, kind, id, 403, "InvalidStateTransition", "The invocation has already been answered.");
            return;
        }
        if (kind == "response" && post.Body.Length > MaxResponseBytes)
        {
            // Lambda fails the invocation itself ("Response payload size exceeded"): it is over.
            await RefuseAsync(context, kind, id, 413, "RequestEntityTooLarge", $"Exceeded maximum allowed payload size ({MaxResponseBytes} bytes).");
            Reply(id).TrySetResult(post with { Kind = "refused" });
            return;
        }
        Reply(id).TrySetResult(post);
        context.Response.StatusCode = 202;
    }

    private TaskCompletionSource<RuntimeApiPost> Reply(string id) =>
        _replies.GetOrAdd(id, _ => new TaskCompletionSource<RuntimeApiPost>(TaskCreationOptions.RunContinuationsAsynchronously));

    private async Task RefuseAsync(HttpContext context, string kind, string id, int status, string errorType, string message)
    {
        _refused.Enqueue((kind, id, status));
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync($$"""{"errorMessage":"{{message}}","errorType":"{{errorType}}"}""");
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _nextRequested.Dispose();
    }
}
