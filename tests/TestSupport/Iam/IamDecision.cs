namespace Pipeline.Tests.Iam;

/// <summary>What IAM decides for an <see cref="AwsCall"/>: Allowed, ImplicitlyDenied or ExplicitlyDenied.</summary>
public sealed record IamDecision(AwsCall Call, string Result)
{
    /// <summary>Whether the call is allowed.</summary>
    public bool Allowed => Result == "Allowed";

    /// <inheritdoc/>
    public override string ToString() => $"{Result}: {Call}";
}
