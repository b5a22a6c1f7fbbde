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
        catch (Exception e)
        {
            _log.Write("error", "invocation failed", ("requestId", invocation.RequestId), ("errorType", e.GetType().Name), ("errorMessage", e.Message));
            await _client.ReportInvocationErrorAsync(invocation.RequestId, RuntimeError.From(e), cancellationToken);
            return;
        }
        try
        {
            await _client.SendResponseAsync(invocation.RequestId, response, cancellationToken);
        }
        catch (HttpRequestException e) when (e.StatusCode is not null)
        {
            // The Runtime API refused the response (e.g. over Lambda's 6 MB payload limit):
            // report that as the invocation's error rather than dying with it.
            _log.Write("error", "response refused", ("requestId", invocation.RequestId), ("status", (int)e.StatusCode), ("bytes", response.Length));
            await _client.ReportInvocationErrorAsync(invocation.RequestId, RuntimeError.From(e), cancellationToken);
        }
    }
}
