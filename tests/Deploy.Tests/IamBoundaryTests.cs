using Pipeline.Tests.Iam;

namespace Pipeline.Tests.Deploy;

/// <summary>
/// The deployed policies evaluated as IAM would (<see cref="IamSimulator"/>): what each role must
/// never be able to do is denied, whatever its code does, and what it must do is allowed.
/// What the functions and the CLI actually call is checked by the end-to-end tests' recording.
/// </summary>
public sealed class IamBoundaryTests
{
    private const string Api = "ApiFunctionRole";
    private const string Worker = "WorkerFunctionRole";
    private const string Operator = "OperatorRole";
    private const string BatchOperations = "BatchOperationsRole";
    private const string S3 = "s3.amazonaws.com";
    /// <summary>Another principal of the account, whose own policy allows everything.</summary>
    private const string Admin = "arn:aws:iam::123456789012:role/admin";

    private const string Input = "arn:aws:s3:::pipeline-input";
    private const string Output = "arn:aws:s3:::pipeline-output";
    private const string OtherBucket = "arn:aws:s3:::someone-elses-bucket";
    private const string Queue = "arn:aws:sqs:us-east-1:123456789012:pipeline-worker";
    private const string DeadLetters = "arn:aws:sqs:us-east-1:123456789012:pipeline-worker-dlq";
    private const string OtherQueue = "arn:aws:sqs:us-east-1:123456789012:someone-elses-queue";
    private const string OtherLogGroup = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/someone-else:log-stream:x";

    private readonly DeployedPolicies _policies = DeployedPolicies.Load();

    [Fact]
    public async Task What_each_role_must_never_do_is_denied()
    {
        var batchFiles = BatchOperationsFiles();
        var never = new List<AwsCall>
        {
            // The API presigns and reads under uploads/ only.
            new(Api, "s3:PutObject", Input + "/photos/a.jpg"),
            new(Api, "s3:PutObject", Output + "/uploads/0123456789abcdef"),
            new(Api, "s3:DeleteObject", Input + "/uploads/0123456789abcdef"),
            new(Api, "s3:GetObject", Input + "/photos/a.jpg"),
            List(Api, Input, "photos/"),
            new(Api, "sqs:SendMessage", Queue),
            new(Api, "sqs:ReceiveMessage", Queue),
            // The worker never writes where it is triggered, nor Batch Operations' files.
            new(Worker, "s3:PutObject", Input + "/photos/a.jpg"),
            new(Worker, "s3:PutObject", Input + "/uploads/0123456789abcdef"),
            new(Worker, "s3:DeleteObject", Input + "/photos/a.jpg"),
            new(Worker, "sqs:SendMessage", Queue),
            new(Worker, "sqs:ReceiveMessage", DeadLetters),
            // The operator's CLI uploads inputs, but not into the API's uploads/, and reads results.
            new(Operator, "s3:PutObject", Input + "/uploads/0123456789abcdef"),
            new(Operator, "s3:PutObject", Output + "/photos/a.jpg"),
            new(Operator, "s3:DeleteObject", Output + "/photos/a.jpg"),
            new(Operator, "sqs:ReceiveMessage", Queue),
            // Batch Operations reads manifests and writes reports, nothing of the pipeline's.
            new(BatchOperations, "s3:PutObject", Input + "/photos/a.jpg"),
            new(BatchOperations, "s3:PutObject", Output + "/photos/a.jpg"),
            new(BatchOperations, "lambda:InvokeFunction", _policies.Arn("ApiFunction")),
            // Only S3, for the input bucket of this account, and the operator role send to the worker queue.
            new(Admin, "sqs:SendMessage", Queue),
            SentByS3(OtherBucket, DeployedPolicies.Account),
            SentByS3(Input, "210987654321"),
        };
        foreach (var role in new[] { Api, Worker, Operator })
        {
            never.Add(new(role, "s3:GetObject", OtherBucket + "/x.jpg"));
            never.Add(new(role, "s3:PutObject", OtherBucket + "/x.jpg"));
            never.Add(new(role, "sqs:SendMessage", OtherQueue));
            never.Add(new(role, "sqs:ReceiveMessage", OtherQueue));
            never.Add(new(role, "sqs:DeleteMessage", OtherQueue));
            never.Add(new(role, "logs:PutLogEvents", OtherLogGroup));
        }
        foreach (var role in new[] { Api, Worker })
        {
            foreach (var file in batchFiles)
            {
                never.Add(new(role, "s3:PutObject", file));
                never.Add(new(role, "s3:DeleteObject", file));
                never.Add(new(role, "s3:GetObject", file));
            }
        }

        var allowed = (await new IamSimulator(_policies).DecideAsync(never)).Where(d => d.Allowed).ToList();

        Assert.True(allowed.Count == 0, "allowed, but must never be:\n" + string.Join('\n', allowed));
    }

    [Fact]
    public async Task What_each_role_must_do_is_allowed()
    {
        var must = new List<AwsCall>
        {
            new(Api, "s3:PutObject", Input + "/uploads/0123456789abcdef"),
            new(Api, "s3:GetObject", Output + "/uploads/0123456789abcdef.error.json"),
            List(Api, Output, "uploads/0123456789abcdef"),
            new(Api, "logs:PutLogEvents", _policies.Arn("ApiFunctionLogGroup").TrimEnd('*') + "log-stream:x"),
            new(Worker, "sqs:ReceiveMessage", Queue),
            new(Worker, "sqs:DeleteMessage", Queue),
            new(Worker, "s3:GetObject", Input + "/photos/a.jpg"),
            new(Worker, "s3:PutObject", Output + "/photos/a.jpg"),
            new(Worker, "logs:PutLogEvents", _policies.Arn("WorkerFunctionLogGroup").TrimEnd('*') + "log-stream:x"),
            new(Operator, "s3:PutObject", Input + "/photos/a.jpg"),
            new(Operator, "s3:GetObject", Output + "/photos/a.jpg"),
            new(Operator, "sqs:SendMessage", Queue),
            new(Operator, "sqs:StartMessageMoveTask", DeadLetters),
            new(Operator, "iam:PassRole", _policies.RoleArn(BatchOperations), new Dictionary<string, string> { ["iam:PassedToService"] = "batchoperations.s3.amazonaws.com" }, "create-job --role-arn"),
            new(BatchOperations, "lambda:InvokeFunction", _policies.Arn("WorkerFunction")),
            SentByS3(Input, DeployedPolicies.Account),
            new(S3, "s3:PutObject", _policies.Arn("BatchOperationsBucket") + "/inventory/pipeline-input/all/manifest.json",
                new Dictionary<string, string> { ["aws:SourceArn"] = Input, ["aws:SourceAccount"] = DeployedPolicies.Account }, "S3 Inventory delivery"),
        };
        must.AddRange(BatchOperationsFiles().Select(f => new AwsCall(BatchOperations, f.Contains("/reports/", StringComparison.Ordinal) ? "s3:PutObject" : "s3:GetObject", f)));

        var denied = (await new IamSimulator(_policies).DecideAsync(must)).Where(d => !d.Allowed).ToList();

        Assert.True(denied.Count == 0, "denied, but needed:\n" + string.Join('\n', denied));
    }

    /// <summary>A file in every place Batch Operations' role reads or writes (manifests, inventory, reports).</summary>
    private List<string> BatchOperationsFiles()
    {
        var files = _policies.IdentityPolicies(BatchOperations)
            .SelectMany(p => p!["policy"]!["Statement"]!.AsArray())
            .SelectMany(s => s!["Resource"] is System.Text.Json.Nodes.JsonArray many ? many.Select(r => (string)r!) : [(string)s["Resource"]!])
            .Where(r => r.StartsWith("arn:aws:s3:::", StringComparison.Ordinal) && r.EndsWith("/*", StringComparison.Ordinal))
            .Select(r => r[..^1] + "manifest.csv")
            .ToList();
        Assert.NotEmpty(files);
        return files;
    }

    private static AwsCall List(string principal, string bucket, string prefix) =>
        new(principal, "s3:ListBucket", bucket, new Dictionary<string, string> { ["s3:prefix"] = prefix }, $"list {prefix}");

    private static AwsCall SentByS3(string bucket, string account) =>
        new(S3, "sqs:SendMessage", Queue, new Dictionary<string, string> { ["aws:SourceArn"] = bucket, ["aws:SourceAccount"] = account }, $"a notification of {bucket} in {account}");
}
