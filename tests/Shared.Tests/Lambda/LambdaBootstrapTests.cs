using System.Collections.Concurrent;
using Pipeline.Diagnostics;
using Pipeline.Lambda;

namespace Pipeline.Tests.Lambda;

// The only tests that run the loop, so the one class that touches _X_AMZN_TRACE_ID (process-wide).
public sealed class LambdaBootstrapTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly CancellationTokenSource _stop = new();
    private FakeRuntimeApi _fake = null!;
    private RuntimeApiClient _client = null!;
    private Task<int>? _loop;

    public async Task InitializeAsync()
    {
        _fake = await FakeRuntimeApi.StartAsync();
        _client = new RuntimeApiClient(_fake.HostAndPort);
    }

    public async Task DisposeAsync()
    {
        if (_loop is not null)
        {
            await _stop.CancelAsync();
            await _loop.WaitAsync(Patience); // ended, however: what it returns is a test's business
        }
        _client.Dispose();
        await _fake.DisposeAsync();
        _stop.Dispose();
    }

    private void Run(Func<Invocation, ReadOnlyMemory<byte>> handle) =>
        _loop = new LambdaBootstrap(_client, JsonLog.Null).RunAsync(() => new Handler(handle), _stop.Token);

    private Task<RuntimeApiPost> Invoke(byte[] payload, string requestId, TimeSpan? timeout = null, string? traceId = null) =>
        _fake.InvokeAsync(payload, requestId, timeout, traceId).WaitAsync(Patience);

    [Fact]
    public async Task Cancelled_while_waiting_for_the_next_invocation_the_loop_ends_with_exit_code_zero()
    {
        Run(_ => "{}"u8.ToArray());
        await Invoke("{}"u8.ToArray(), "before-stop");
        // Its answer posted, the loop asks for the next invocation and waits (cancelling while it
        // posted would cancel that post instead of ending the wait).
        await _fake.WaitForNextRequestsAsync(2, Patience);

        await _stop.CancelAsync();

        Assert.Equal(0, await _loop!.WaitAsync(Patience));
    }

    [Fact]
    public async Task A_handled_invocation_posts_the_handlers_document_intact()
    {
        Run(invocation => invocation.Payload.Reverse().ToArray());
        var payload = new byte[1_000_000];
        new Random(5).NextBytes(payload);

        var post = await Invoke(payload, "ok-1");

        Assert.Equal("response", post.Kind);
        Assert.Equal("ok-1", post.RequestId);
        Assert.Equal(payload.Reverse(), post.Body);
    }

    [Fact]
    public async Task A_handler_exception_is_reported_as_the_invocations_error_and_the_loop_goes_on()
    {
        Run(invocation => invocation.RequestId == "bad"
            ? throw new InvalidOperationException("The handler failed.")
            : "{\"ok\":true}"u8.ToArray());

        var failed = await Invoke("{}"u8.ToArray(), "bad");
        var next = await Invoke("{}"u8.ToArray(), "good");

        var frames = RuntimeErrorAssert.Document(failed, "error", "The handler failed.", "InvalidOperationException");
        Assert.Equal("bad", failed.RequestId);
        Assert.Contains(frames, f => f!.Contains(nameof(Handler), StringComparison.Ordinal));
        Assert.Equal("response", next.Kind);
        Assert.Equal("{\"ok\":true}"u8.ToArray(), next.Body);
    }

    [Fact]
    public async Task A_response_over_the_payload_limit_ends_that_invocation_and_the_loop_goes_on()
    {
        Run(invocation => invocation.RequestId == "huge" ? new byte[FakeRuntimeApi.MaxResponseBytes + 1] : "{\"ok\":true}"u8.ToArray());

        var refused = await Invoke("{}"u8.ToArray(), "huge");
        var next = await Invoke("{}"u8.ToArray(), "after");

        Assert.Equal("refused", refused.Kind);
        Assert.Equal("response", next.Kind);
        // No error posted for the refused response: Lambda already failed it, and would answer 403.
        Assert.Equal([("response", "huge", 413)], _fake.Refused);
    }

    [Fact]
    public async Task A_post_the_runtime_api_refuses_is_logged_and_the_loop_goes_on()
    {
        Run(_ => "{}"u8.ToArray());
        await Invoke("{}"u8.ToArray(), "twice");

        // The same request id handed out again: its answer is refused with 403 InvalidStateTransition.
        await _fake.InvokeAsync("{}"u8.ToArray(), "twice");
        var next = await Invoke("{}"u8.ToArray(), "third");

        Assert.Equal("response", next.Kind);
        Assert.Equal([("response", "twice", 403)], _fake.Refused);
    }

    [Fact]
    public async Task A_failed_initialisation_is_reported_and_returns_non_zero()
    {
        var exitCode = await new LambdaBootstrap(_client, JsonLog.Null)
            .RunAsync(() => throw new InvalidOperationException("PIPELINE_INPUT_BUCKET is not set."), _stop.Token)
            .WaitAsync(Patience);

        Assert.NotEqual(0, exitCode);
        var post = await _fake.InitError.WaitAsync(Patience);
        Assert.NotEmpty(RuntimeErrorAssert.Document(post, "init-error", "PIPELINE_INPUT_BUCKET is not set.", "InvalidOperationException"));
        Assert.Equal(0, _fake.NextRequests);
    }

    [Fact]
    public async Task The_trace_id_is_exported_during_its_invocation_only()
    {
        var seen = new ConcurrentDictionary<string, string?>();
        Run(invocation =>
        {
            seen[invocation.RequestId] = Environment.GetEnvironmentVariable(LambdaBootstrap.TraceIdVariable);
            return "{}"u8.ToArray();
        });
        const string trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";

        await Invoke("{}"u8.ToArray(), "traced", traceId: trace);
        await Invoke("{}"u8.ToArray(), "untraced");

        Assert.Equal("_X_AMZN_TRACE_ID", LambdaBootstrap.TraceIdVariable);
        Assert.Equal(trace, seen["traced"]);
        Assert.Null(seen["untraced"]);
    }

    [Fact]
    public async Task The_handler_sees_the_deadline_from_the_runtime_api()
    {
        var deadlines = new ConcurrentDictionary<string, DateTimeOffset>();
        Run(invocation =>
        {
            deadlines[invocation.RequestId] = invocation.Deadline;
            return "{}"u8.ToArray();
        });
        var before = DateTimeOffset.UtcNow;

        await Invoke("{}"u8.ToArray(), "timed", timeout: TimeSpan.FromSeconds(30));

        Assert.InRange(deadlines["timed"], before.AddSeconds(30).AddMilliseconds(-1), DateTimeOffset.UtcNow.AddSeconds(30));
    }

    private sealed class Handler(Func<Invocation, ReadOnlyMemory<byte>> handle) : IInvocationHandler
    {
        public async Task<ReadOnlyMemory<byte>> HandleAsync(Invocation invocation, CancellationToken cancellationToken)
        {
            await Task.Yield();
            return handle(invocation);
        }
    }
}
