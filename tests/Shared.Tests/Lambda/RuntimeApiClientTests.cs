using System.Text;
using Pipeline.Lambda;

namespace Pipeline.Tests.Lambda;

public sealed class RuntimeApiClientTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private FakeRuntimeApi _fake = null!;
    private RuntimeApiClient _client = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeRuntimeApi.StartAsync();
        _client = new RuntimeApiClient(_fake.HostAndPort);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _fake.DisposeAsync();
    }

    [Fact]
    public async Task The_next_invocation_carries_the_request_id_deadline_trace_and_payload()
    {
        var payload = Encoding.UTF8.GetBytes("""{"path":"/","body":null}""");
        var before = DateTimeOffset.UtcNow;
        _ = _fake.InvokeAsync(payload, requestId: "8476a536-e9f4-11e8-9739-2dfe598c3fcd", timeout: TimeSpan.FromSeconds(90), traceId: "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1");

        var invocation = await _client.GetNextInvocationAsync(CancellationToken.None).WaitAsync(Patience);

        var after = DateTimeOffset.UtcNow;
        Assert.Equal("8476a536-e9f4-11e8-9739-2dfe598c3fcd", invocation.RequestId);
        Assert.Equal("Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1", invocation.TraceId);
        Assert.Equal(payload, invocation.Payload);
        // The header is whole milliseconds since the epoch.
        Assert.InRange(invocation.Deadline, before.AddSeconds(90).AddMilliseconds(-1), after.AddSeconds(90));
        Assert.Equal(TimeSpan.Zero, invocation.Deadline.Offset);
    }

    [Fact]
    public async Task An_invocation_without_a_trace_id_has_none()
    {
        _ = _fake.InvokeAsync("{}"u8.ToArray());

        var invocation = await _client.GetNextInvocationAsync(CancellationToken.None).WaitAsync(Patience);

        Assert.Null(invocation.TraceId);
    }

    [Fact]
    public async Task A_response_is_posted_to_the_invocations_response_path_intact()
    {
        var reply = _fake.InvokeAsync("{}"u8.ToArray(), requestId: "req-1");
        var invocation = await _client.GetNextInvocationAsync(CancellationToken.None).WaitAsync(Patience);
        var document = new byte[2_000_000];
        new Random(3).NextBytes(document);

        await _client.SendResponseAsync(invocation.RequestId, document, CancellationToken.None);

        var post = await reply.WaitAsync(Patience);
        Assert.Equal("response", post.Kind);
        Assert.Equal("req-1", post.RequestId);
        Assert.Equal(document, post.Body);
    }

    [Fact]
    public async Task An_invocation_error_is_posted_with_its_type_header_and_document()
    {
        var reply = _fake.InvokeAsync("{}"u8.ToArray(), requestId: "req-2");
        var invocation = await _client.GetNextInvocationAsync(CancellationToken.None).WaitAsync(Patience);
        var error = new RuntimeError { ErrorMessage = "It broke.", ErrorType = "Handler.Broken", StackTrace = ["at A.B()", "at C.D()"] };

        await _client.ReportInvocationErrorAsync(invocation.RequestId, error, CancellationToken.None);

        var post = await reply.WaitAsync(Patience);
        Assert.Equal("req-2", post.RequestId);
        Assert.Equal(["at A.B()", "at C.D()"], RuntimeErrorAssert.Document(post, "error", "It broke.", "Handler.Broken"));
    }

    [Fact]
    public async Task An_init_error_is_posted_to_the_init_error_path()
    {
        await _client.ReportInitErrorAsync(new RuntimeError { ErrorMessage = "No bucket.", ErrorType = "InvalidOperationException" }, CancellationToken.None);

        var post = await _fake.InitError.WaitAsync(Patience);
        Assert.Empty(RuntimeErrorAssert.Document(post, "init-error", "No bucket.", "InvalidOperationException"));
    }

    [Fact]
    public async Task Waiting_for_the_next_invocation_is_cancellable()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _client.GetNextInvocationAsync(cancel.Token));
    }
}
