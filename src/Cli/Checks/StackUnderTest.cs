namespace Pipeline.Cli.Checks;

/// <summary>What <c>verify</c> checks: the API's base URL and key, the buckets and queue, and, deployed, the CloudFormation stack.</summary>
/// <param name="Target">Endpoint, region, credentials, buckets and the worker queue.</param>
/// <param name="ApiUrl">The API's base URL, ending in '/' (the stage's, deployed: <c>https://…/Prod/</c>).</param>
/// <param name="ApiKey">The key to send as x-api-key, when there is one.</param>
/// <param name="Cloud">The deployed stack; null for the local stack.</param>
/// <param name="Outputs">The stack's outputs (none locally).</param>
public sealed record StackUnderTest(Target Target, Uri ApiUrl, string? ApiKey, Deployment? Cloud, IReadOnlyDictionary<string, string> Outputs)
{
    /// <summary>True for ./run.sh's stack, which has no stages, alarms or log groups.</summary>
    public bool IsLocal => Cloud is null;

    /// <summary>Where to look when the worker does not answer.</summary>
    public string WorkerHint => IsLocal
        ? "is the worker running? (./run.sh starts it; its log is artifacts/logs/worker.log)"
        : $"is the worker running? Look at the queue's oldest message, the dead-letter queue and the log group {Outputs.GetValueOrDefault("WorkerLogGroup", "of the worker")}";

    /// <summary>Where to look when the API does not answer.</summary>
    public string ApiHint => IsLocal
        ? "is ./run.sh running? (its API listens on PIPELINE_API_PORT, 3000 by default; pass --api-url for another)"
        : "is the stack deployed and its ApiUrl output right? (pass --api-url to check another URL)";
}
