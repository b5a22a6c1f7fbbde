using Pipeline.Diagnostics;

namespace Pipeline.Lambda;

/// <summary>
/// The custom runtime's main loop, kept apart from any handler: initialise once (reporting a
/// failure to /init/error), then fetch, handle and answer invocations one at a time, as
/// Lambda's execution model requires.
/// </summary>
public sealed class LambdaBootstrap
{
    /// <summary>The variable Lambda's X-Ray integration reads the current trace header from.</summary>
    public const string TraceIdVariable = "_X_AMZN_TRACE_ID";

    private readonly RuntimeApiClient _client;
    private readonly JsonLog _log;

    /// <summary>Creates a loop over <paramref name="client"/>.</summary>
    public LambdaBootstrap(RuntimeApiClient client, JsonLog log)
    {
        _client = client;
        _log = log;
    }

    /// <summary>
    /// Runs the function in a Lambda execution environment, reading AWS_LAMBDA_RUNTIME_API.
    /// Returns the process exit code.
    /// </summary>
    public static async Task<int> RunFromEnvironmentAsync(Func<IInvocationHandler> initialize, CancellationToken cancellationToken = default)
    {
        var endpoint = Environment.GetEnvironmentVariable(RuntimeApiClient.EndpointVariable);
        var log = new JsonLog(Console.OpenStandardOutput());
        if (string.IsNullOrEmpty(endpoint))
        {
            log.Write("error", $"{RuntimeApiClient.EndpointVariable} is not set: this binary runs inside Lambda (or a Runtime API emulator).");
            return 2;
        }
        using var client = new RuntimeApiClient(endpoint);
        return await new LambdaBootstrap(client, log).RunAsync(initialize, cancellationToken);
    }

    /// <summary>Initialises the handler, then serves invocations until cancelled. Returns the exit code.</summary>
    public async Task<int> RunAsync(Func<IInvocationHandler> initialize, CancellationToken cancellationToken)
    {
        IInvocationHandler handler;
        try
        {
            handler = initialize();
        }
        catch (Exception e)
        {
            _log.Write("error", "initialisation failed", ("errorType", e.GetType().Name), ("errorMessage", e.Message));
            await _client.ReportInitErrorAsync(RuntimeError.From(e), cancellationToken);
            return 1;
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            Invocation invocation;
            try
            {
                invocation = await _client.GetNextInvocationAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (HttpRequestException e)
            {
                // Lambda's Runtime API does not go away while the environment lives; if it
                // does, the environment is being torn down (or an emulator stopped).
                _log.Write("error", "the Runtime API is unreachable", ("errorMessage", e.Message));
                return 1;
            }
            try
            {
                await InvokeAsync(handler, invocation, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
        }
        return 0;
    }

    private async Task InvokeAsync(IInvocationHandler handler, Invocation invocation, CancellationToken cancellationToken)
    {
        Environment.SetEnvironmentVariable(TraceIdVariable, invocation.TraceId);
        ReadOnlyMemory<byte> response;
        try
        {
            response = await handler.HandleAsync(invocation, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _log.Write("error", "invocation failed", ("requestId", invocation.RequestId), ("errorType", e.GetType().Name), ("errorMessage", e.Message));
            await PostAsync("error", invocation, () => _client.ReportInvocationErrorAsync(invocation.RequestId, RuntimeError.From(e), cancellationToken));
            return;
        }
        // A refused response (over Lambda's 6 MB payload limit) ends the invocation on Lambda's
        // side, which reports the failure to the caller itself: posting an error for it as
        // well would only be refused again (403 InvalidStateTransition).
        await PostAsync("response", invocation, () => _client.SendResponseAsync(invocation.RequestId, response, cancellationToken), response.Length);
    }

    /// <summary>
    /// Posts an invocation's outcome. Whatever the Runtime API answers, the loop goes on to the
    /// next event: a refusal is logged, never thrown out of the loop (that would exit the
    /// process and cost the next request a cold start).
    /// </summary>
    private async Task PostAsync(string what, Invocation invocation, Func<Task> post, int bytes = 0)
    {
        try
        {
            await post();
        }
        catch (HttpRequestException e) when (e.StatusCode is not null)
        {
            _log.Write("error", $"the Runtime API refused the {what}", ("requestId", invocation.RequestId), ("status", (int)e.StatusCode), ("bytes", bytes));
        }
    }
}
