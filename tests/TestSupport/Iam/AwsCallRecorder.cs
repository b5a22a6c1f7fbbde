using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;

namespace Pipeline.Tests.Iam;

/// <summary>
/// Records the AWS requests that pass a <see cref="FaultProxy"/> (<see cref="FaultProxy.Observe"/>)
/// as the <see cref="AwsCall"/>s IAM would evaluate: the S3 or SQS action, the resource ARN and
/// the request's condition keys (s3:prefix, s3:delimiter, s3:max-keys, ...). Who made a call is
/// read from the access key id its SigV4 signature names (the Authorization header, or
/// X-Amz-Credential for a presigned URL): processes started with <see cref="AccessKey"/> of a
/// role are that role; others (the tests' own clients) are recorded under their key but belong
/// to no role. A request this recorder cannot map is kept in <see cref="Unmapped"/>.
/// </summary>
public sealed partial class AwsCallRecorder
{
    private readonly ConcurrentQueue<AwsCall> _calls = new();
    private readonly ConcurrentQueue<string> _unmapped = new();

    /// <summary>The placeholder access key id a process acting as <paramref name="role"/> (a role's logical id) is given.</summary>
    public static string AccessKey(string role) => "ASIA" + role.ToUpperInvariant();

    /// <summary>Every call so far.</summary>
    public IReadOnlyCollection<AwsCall> Calls => _calls;

    /// <summary>Requests with a signature that could not be mapped to an action ("METHOD target").</summary>
    public IReadOnlyCollection<string> Unmapped => _unmapped;

    /// <summary>The calls made with <see cref="AccessKey"/> of one of <paramref name="roles"/>, principal set to the role.</summary>
    public IReadOnlyList<AwsCall> CallsOf(params string[] roles)
    {
        var byKey = roles.ToDictionary(AccessKey, r => r);
        return _calls.Where(c => byKey.ContainsKey(c.Principal)).Select(c => c with { Principal = byKey[c.Principal] }).ToList();
    }

    /// <summary>Records one request (hand this to <see cref="FaultProxy.Observe"/>).</summary>
    public void Observe(HttpRequest request, ReadOnlyMemory<byte> body)
    {
        var target = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.Value ?? "/";
        var (accessKey, service) = Signer(request);
        if (accessKey is null)
            return;
        // What the request was, without a presigned URL's signature.
        var description = $"{request.Method} {SignatureParameters().Replace(target, "")}";
        var calls = service switch
        {
            "s3" => S3Calls(request, target, body.Span),
            "sqs" => SqsCalls(request, body.Span),
            _ => [],
        };
        if (calls.Count == 0)
            _unmapped.Enqueue($"{accessKey} {service}: {description}");
        foreach (var (action, resource, context) in calls)
            _calls.Enqueue(new AwsCall(accessKey, action, resource, context, description));
    }

    /// <summary>The access key id and service of a SigV4 signature (header or presigned query).</summary>
    private static (string? AccessKey, string? Service) Signer(HttpRequest request)
    {
        var credential = request.Query["X-Amz-Credential"].FirstOrDefault();
        if (credential is null && CredentialInHeader().Match(request.Headers.Authorization.ToString()) is { Success: true } match)
            credential = match.Groups[1].Value;
        if (credential is null)
            return (null, null);
        var scope = credential.Split('/');
        return scope.Length >= 4 ? (scope[0], scope[3]) : (null, null);
    }

    private static List<(string, string, Dictionary<string, string>)> S3Calls(HttpRequest request, string target, ReadOnlySpan<byte> body)
    {
        var path = target.Split('?', 2)[0].TrimStart('/');
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        var bucket = Uri.UnescapeDataString(slash < 0 ? path : path[..slash]);
        var key = slash < 0 ? "" : Uri.UnescapeDataString(path[(slash + 1)..]);
        // Subresources (?uploads, ?delete, ?location...), without the signature's and the SDK's own parameters.
        var query = request.Query
            .Where(q => !q.Key.StartsWith("X-Amz-", StringComparison.OrdinalIgnoreCase) && q.Key != "x-id")
            .ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
        var bucketArn = "arn:aws:s3:::" + bucket;
        var objectArn = bucketArn + "/" + key;
        var none = new Dictionary<string, string>();
        var method = request.Method;

        if (bucket.Length == 0)
            return method == "GET" ? [("s3:ListAllMyBuckets", "*", none)] : [];
        if (key.Length == 0)
        {
            return (method, query.Keys.FirstOrDefault(k => k is not ("list-type" or "prefix" or "delimiter" or "max-keys" or "continuation-token" or "start-after" or "encoding-type" or "fetch-owner" or "marker"))) switch
            {
                ("GET" or "HEAD", null) => [("s3:ListBucket", bucketArn, ListContext(query))],
                ("GET", "location") => [("s3:GetBucketLocation", bucketArn, none)],
                ("GET", "uploads") => [("s3:ListBucketMultipartUploads", bucketArn, none)],
                ("GET", "versions") => [("s3:ListBucketVersions", bucketArn, ListContext(query))],
                ("POST", "delete") => XDocument.Parse(Encoding.UTF8.GetString(body)).Descendants().Where(e => e.Name.LocalName == "Key")
                    .Select(k => ("s3:DeleteObject", bucketArn + "/" + k.Value, none)).ToList(),
                _ => [],
            };
        }
        var subresource = query.Keys.FirstOrDefault(k => k is not ("versionId" or "partNumber" or "response-content-disposition" or "response-content-type"));
        var writeContext = new Dictionary<string, string>();
        foreach (var (header, conditionKey) in new[] { ("x-amz-server-side-encryption", "s3:x-amz-server-side-encryption"), ("x-amz-acl", "s3:x-amz-acl"), ("x-amz-storage-class", "s3:x-amz-storage-class") })
        {
            if (request.Headers.TryGetValue(header, out var value))
                writeContext[conditionKey] = value.ToString();
        }
        return (method, subresource) switch
        {
            ("GET" or "HEAD", null) => [(query.ContainsKey("versionId") ? "s3:GetObjectVersion" : "s3:GetObject", objectArn, none)],
            ("GET", "uploadId") => [("s3:ListMultipartUploadParts", objectArn, none)],
            ("GET", "tagging") => [("s3:GetObjectTagging", objectArn, none)],
            ("PUT", null or "uploadId") when request.Headers.TryGetValue("x-amz-copy-source", out var source) =>
                [("s3:PutObject", objectArn, writeContext), ("s3:GetObject", "arn:aws:s3:::" + Uri.UnescapeDataString(source.ToString().Split('?')[0].TrimStart('/')), none)],
            ("PUT", null or "uploadId") => [("s3:PutObject", objectArn, writeContext)],
            ("PUT", "tagging") => [("s3:PutObjectTagging", objectArn, none)],
            ("POST", "uploads" or "uploadId") => [("s3:PutObject", objectArn, writeContext)],
            ("DELETE", null) => [(query.ContainsKey("versionId") ? "s3:DeleteObjectVersion" : "s3:DeleteObject", objectArn, none)],
            ("DELETE", "uploadId") => [("s3:AbortMultipartUpload", objectArn, none)],
            _ => [],
        };
    }

    private static Dictionary<string, string> ListContext(Dictionary<string, string> query)
    {
        var context = new Dictionary<string, string>();
        foreach (var (parameter, conditionKey) in new[] { ("prefix", "s3:prefix"), ("delimiter", "s3:delimiter"), ("max-keys", "s3:max-keys") })
        {
            if (query.TryGetValue(parameter, out var value))
                context[conditionKey] = value;
        }
        return context;
    }

    private static List<(string, string, Dictionary<string, string>)> SqsCalls(HttpRequest request, ReadOnlySpan<byte> body)
    {
        // The JSON protocol (X-Amz-Target: AmazonSQS.SendMessageBatch) or the query protocol (Action=...).
        string? operation;
        Func<string, string?> parameter;
        var target = request.Headers["X-Amz-Target"].ToString();
        if (target.StartsWith("AmazonSQS.", StringComparison.Ordinal))
        {
            operation = target["AmazonSQS.".Length..];
            using var json = JsonDocument.Parse(body.Length == 0 ? "{}"u8.ToArray() : body.ToArray());
            var values = json.RootElement.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String).ToDictionary(p => p.Name, p => p.Value.GetString());
            parameter = name => values.GetValueOrDefault(name);
        }
        else
        {
            var form = QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body));
            operation = form.TryGetValue("Action", out var named) ? named.ToString() : null;
            parameter = name => form.TryGetValue(name, out var value) ? value.ToString() : null;
        }
        if (operation is null)
            return [];
        var action = "sqs:" + (operation.EndsWith("Batch", StringComparison.Ordinal) ? operation[..^"Batch".Length] : operation);
        var resource = operation switch
        {
            "ListQueues" => "*",
            "GetQueueUrl" or "CreateQueue" => $"arn:aws:sqs:{DeployedPolicies.Region}:{parameter("QueueOwnerAWSAccountId") ?? DeployedPolicies.Account}:{parameter("QueueName")}",
            _ when parameter("QueueUrl") is { } url => DeployedPolicies.QueueArn(url),
            _ => null,
        };
        return resource is null ? [] : [(action, resource, new Dictionary<string, string>())];
    }

    [GeneratedRegex(@"[?&]X-Amz-[A-Za-z-]+=[^&]*")]
    private static partial Regex SignatureParameters();

    [GeneratedRegex(@"Credential=([^,\s]+)")]
    private static partial Regex CredentialInHeader();
}
