namespace Pipeline.Tests.Iam;

/// <summary>
/// One AWS request as IAM evaluates it: who makes it (a role of the template by logical id, e.g.
/// "WorkerFunctionRole", or a service principal such as "s3.amazonaws.com"), the action, the
/// resource ARN and the request's own condition keys (e.g. s3:prefix), with what it was
/// (e.g. "GET /pipeline-input?list-type=2&amp;prefix=a%2F") for messages.
/// </summary>
public sealed record AwsCall(string Principal, string Action, string Resource, IReadOnlyDictionary<string, string> Context, string Description)
{
    /// <summary>A call with no request-specific condition keys.</summary>
    public AwsCall(string principal, string action, string resource)
        : this(principal, action, resource, new Dictionary<string, string>(), $"{action} {resource}")
    {
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Principal}: {Action} on {Resource}" + (Context.Count == 0 ? "" : " with " + string.Join(", ", Context.Select(c => $"{c.Key}={c.Value}"))) + $" ({Description})";
}
