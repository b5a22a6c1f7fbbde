using System.Globalization;
using System.Text.Json.Nodes;
using Pipeline.Settings;
using YamlDotNet.RepresentationModel;

namespace Pipeline.Tests.Deploy;

/// <summary>template.yaml: valid for CloudFormation and SAM, and locked down.</summary>
public sealed class TemplateTests
{
    private readonly SamTemplate _template = SamTemplate.Load();

    [Fact]
    public void Cfn_lint_passes_with_the_sam_translator()
    {
        var lint = Tools.Run("cfn-lint", "template.yaml");

        Assert.True(lint.ExitCode == 0, $"cfn-lint exit {lint.ExitCode}:\n{lint.Stdout}\n{lint.Stderr}");
    }

    [Theory]
    [InlineData("ApiFunction", "ApiFunctionLogGroup.Arn")]
    [InlineData("WorkerFunction", "WorkerFunctionLogGroup.Arn", "WorkerQueue.Arn")]
    public void Function_roles_allow_only_named_actions_on_the_pipelines_own_resources(string function, params string[] ownResources)
    {
        var role = _template.Properties(function).Children["Role"];
        var statements = RoleStatements(_template.Properties(function + "Role"));

        Assert.Equal(("!GetAtt", function + "Role.Arn"), (SamTemplate.TagOf(role), ((YamlScalarNode)role).Value));
        Assert.NotEmpty(statements);
        foreach (var statement in statements)
        {
            Assert.Equal("Allow", SamTemplate.Scalar(statement, "Effect"));
            Assert.All(Strings(statement.Children["Action"]), a => Assert.Matches("^(s3|sqs|logs):[A-Z][A-Za-z]+$", a)); // no wildcards
            foreach (var resource in Nodes(statement.Children["Resource"]))
            {
                if (SamTemplate.TagOf(resource) == "!GetAtt")
                    Assert.Contains(resource.Value, ownResources); // its own log group, its own queue
                else
                    Assert.Matches(@"^arn:\$\{AWS::Partition\}:s3:::\$\{(Input|Output)BucketName\}(/.*)?$", resource.Value);
            }
        }
    }

    [Theory]
    [InlineData("ApiFunction")]
    [InlineData("WorkerFunction")]
    public void Function_roles_carry_no_managed_policy_but_xray_write_only(string function)
    {
        // SAM's generated roles add AWSLambdaBasicExecutionRole (logs on *) and, for an SQS event,
        // AWSLambdaSQSQueueExecutionRole (every queue of the account).
        var managed = TranslatedTemplate.Properties(function + "Role")["ManagedPolicyArns"]!.AsArray()
            .Select(p => p is JsonValue ? (string)p! : TranslatedTemplate.SubText(p!));

        Assert.Equal(["AWSXrayWriteOnlyAccess"], managed.Select(arn => arn[(arn.LastIndexOf('/') + 1)..]));
    }

    [Fact]
    public void The_worker_cannot_write_to_the_bucket_that_triggers_it()
    {
        var writes = RoleStatements(_template.Properties("WorkerFunctionRole"))
            .Where(s => Strings(s.Children["Action"]).Any(a => a is "s3:PutObject" or "s3:DeleteObject"))
            .SelectMany(s => Strings(s.Children["Resource"]));

        Assert.All(writes, r => Assert.Contains("${OutputBucketName}", r, StringComparison.Ordinal));
    }

    [Fact]
    public void Both_functions_are_aot_on_provided_al2023_with_the_opencv_layer_and_its_pixel_limit()
    {
        var globals = SamTemplate.Map(_template.Root, "Globals", "Function");
        Assert.Equal("provided.al2023", SamTemplate.Scalar(globals, "Runtime"));
        Assert.Equal(["x86_64"], Strings(globals.Children["Architectures"]));
        Assert.Equal(["OpenCvLayer"], ((YamlSequenceNode)globals.Children["Layers"]).Select(n => ((YamlScalarNode)n).Value));
        var variables = SamTemplate.Map(globals, "Environment", "Variables");
        Assert.Equal("!Ref", variables.Children["OPENCV_IO_MAX_IMAGE_PIXELS"].Tag.Value);
        Assert.Equal(((YamlScalarNode)variables.Children["PIPELINE_MAX_PIXELS"]).Value, ((YamlScalarNode)variables.Children["OPENCV_IO_MAX_IMAGE_PIXELS"]).Value);
        foreach (var function in new[] { "ApiFunction", "WorkerFunction", "OpenCvLayer" })
            Assert.Equal("makefile", SamTemplate.Scalar(SamTemplate.Map(_template.Resource(function), "Metadata"), "BuildMethod"));
    }

    [Fact]
    public void The_api_takes_any_binary_and_requires_an_api_key_with_a_throttled_usage_plan()
    {
        var api = _template.Properties("PipelineApi");
        Assert.Equal(["*~1*"], Strings(api.Children["BinaryMediaTypes"]));
        Assert.Equal(["*/*"], TranslatedTemplate.ApiBody["x-amazon-apigateway-binary-media-types"]!.AsArray().Select(t => (string?)t));
        // The key is required route by route (ApiGatewayTests): health and preflights need none.
        var throttle = SamTemplate.Map(api, "Auth", "UsagePlan", "Throttle");
        Assert.True(throttle.Children.ContainsKey("RateLimit") && throttle.Children.ContainsKey("BurstLimit"));
        var plan = TranslatedTemplate.OfType("AWS::ApiGateway::UsagePlan").Single().Resource["Properties"]!;
        Assert.Equal("PipelineApi", (string?)plan["ApiStages"]![0]!["ApiId"]!["Ref"]);
        Assert.Single(TranslatedTemplate.OfType("AWS::ApiGateway::UsagePlanKey"));
    }

    [Fact]
    public void The_web_page_needs_no_key_and_every_keyless_route_but_health_is_throttled_at_the_stage()
    {
        // The routes that reach the function without a key, as the API's definition declares them.
        var keyless = TranslatedTemplate.ApiMethods()
            .Where(m => (string?)m.Definition["x-amazon-apigateway-integration"]!["type"] == "aws_proxy" && m.Definition["security"] is null)
            .Select(m => (Path: m.Path, Method: m.Method.ToUpperInvariant()))
            .Order()
            .ToList();
        var settings = ((YamlSequenceNode)_template.Properties("PipelineApi").Children["MethodSettings"]).Cast<YamlMappingNode>().ToList();

        Assert.Equal([("/", "GET"), ("/assets/{name}", "GET")], keyless);
        foreach (var (path, method) in keyless)
        {
            // MethodSettings write a resource path's slashes as ~1 after a leading /; the root is plain /.
            var resourcePath = path == "/" ? "/" : "/" + path.Replace("/", "~1", StringComparison.Ordinal);
            var setting = Assert.Single(settings, s => SamTemplate.Scalar(s, "ResourcePath") == resourcePath && SamTemplate.Scalar(s, "HttpMethod") == method);
            Assert.Equal("PageRateLimit", SamTemplate.Scalar(setting, "ThrottlingRateLimit"));
            Assert.Equal("PageBurstLimit", SamTemplate.Scalar(setting, "ThrottlingBurstLimit"));
        }
        Assert.True(int.Parse(_template.ParameterDefault("PageRateLimit"), System.Globalization.CultureInfo.InvariantCulture) <= 10);
        Assert.Contains("${PipelineApi}.execute-api", SamTemplate.Scalar(SamTemplate.Map(_template.Root, "Outputs", "PageUrl"), "Value"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_worker_reads_its_queue_with_partial_batch_failures_and_a_dead_letter_queue()
    {
        var queueEvent = SamTemplate.Map(_template.Properties("WorkerFunction"), "Events", "Queue", "Properties");
        Assert.Equal(["ReportBatchItemFailures"], Strings(queueEvent.Children["FunctionResponseTypes"]));
        Assert.True(SamTemplate.Map(queueEvent, "ScalingConfig").Children.ContainsKey("MaximumConcurrency"));
        var maxReceiveCount = _template.Value(SamTemplate.Map(_template.Properties("WorkerQueue"), "RedrivePolicy").Children["maxReceiveCount"]);
        // AWS's guidance for Lambda event sources: at least 5, so throttles alone do not dead-letter.
        Assert.Equal("5", maxReceiveCount);
        Assert.Equal(5, PipelineSettings.MaxReceiveCount.FixedDefault);
        var workerVariables = SamTemplate.Map(_template.Properties("WorkerFunction"), "Environment", "Variables");
        Assert.Equal(maxReceiveCount, _template.Value(workerVariables.Children["PIPELINE_MAX_RECEIVE_COUNT"]));
    }

    [Fact]
    public void The_queue_hides_a_received_message_for_at_least_six_worker_timeouts()
    {
        var visibility = int.Parse(SamTemplate.Scalar(_template.Properties("WorkerQueue"), "VisibilityTimeout"), CultureInfo.InvariantCulture);
        var timeout = int.Parse(SamTemplate.Scalar(_template.Properties("WorkerFunction"), "Timeout"), CultureInfo.InvariantCulture);

        Assert.True(visibility >= 6 * timeout, $"visibility timeout {visibility} s < 6 x the worker's {timeout} s");
    }

    [Theory]
    [InlineData("InputBucket", true)]
    [InlineData("OutputBucket", true)]
    [InlineData("BatchOperationsBucket", false)]
    public void Buckets_are_private_encrypted_expiring_and_tls_only(string bucket, bool browsersUseIt)
    {
        var properties = _template.Properties(bucket);
        var block = SamTemplate.Map(properties, "PublicAccessBlockConfiguration");
        Assert.All(block.Children.Values, v => Assert.Equal("true", ((YamlScalarNode)v).Value));
        Assert.Equal(4, block.Children.Count);
        Assert.True(properties.Children.ContainsKey("BucketEncryption"));
        Assert.True(properties.Children.ContainsKey("LifecycleConfiguration"));
        Assert.Equal(browsersUseIt, properties.Children.ContainsKey("CorsConfiguration"));
        var tlsPolicy = SamTemplate.Map(_template.Properties(bucket + "TlsOnly"), "PolicyDocument");
        var statement = ((YamlSequenceNode)tlsPolicy.Children["Statement"]).Cast<YamlMappingNode>().Single(s => SamTemplate.Scalar(s, "Sid") == "DenyPlainHttp");
        Assert.Equal("Deny", SamTemplate.Scalar(statement, "Effect"));
        Assert.Equal("false", SamTemplate.Scalar(SamTemplate.Map(statement, "Condition", "Bool"), "aws:SecureTransport"));
    }

    [Fact]
    public void S3_batch_operations_may_only_invoke_the_worker_read_manifests_and_write_reports()
    {
        var role = _template.Properties("BatchOperationsRole");
        var trust = (YamlMappingNode)((YamlSequenceNode)SamTemplate.Map(role, "AssumeRolePolicyDocument").Children["Statement"]).Single();
        Assert.Equal("batchoperations.s3.amazonaws.com", SamTemplate.Scalar(SamTemplate.Map(trust, "Principal"), "Service"));
        Assert.Equal("sts:AssumeRole", SamTemplate.Scalar(trust, "Action"));
        Assert.True(SamTemplate.Map(trust, "Condition", "StringEquals").Children.ContainsKey("aws:SourceAccount"));

        var statements = RoleStatements(role).ToDictionary(s => SamTemplate.Scalar(s, "Sid"));
        Assert.Equal(["InvokeWorker", "LocateManifestAndReportBucket", "ReadManifests", "WriteCompletionReports"], statements.Keys.Order(StringComparer.Ordinal));
        Assert.All(statements.Values, s => Assert.Equal("Allow", SamTemplate.Scalar(s, "Effect")));
        Assert.Equal(["lambda:InvokeFunction"], Strings(statements["InvokeWorker"].Children["Action"]));
        Assert.All(((YamlSequenceNode)statements["InvokeWorker"].Children["Resource"]).Select(r => r.ToString()), r => Assert.Contains("WorkerFunction", r, StringComparison.Ordinal));
        Assert.Equal(["s3:GetObject", "s3:GetObjectVersion"], Strings(statements["ReadManifests"].Children["Action"]));
        Assert.Equal(["s3:PutObject"], Strings(statements["WriteCompletionReports"].Children["Action"]));
        Assert.Equal(["s3:GetBucketLocation"], Strings(statements["LocateManifestAndReportBucket"].Children["Action"]));
        // Its files live in a bucket of their own, which neither function's role names.
        const string bucket = "arn:${AWS::Partition}:s3:::${BatchOperationsBucketName}";
        Assert.Equal([bucket + "/manifests/*", bucket + "/inventory/*"], Strings(statements["ReadManifests"].Children["Resource"]));
        Assert.Equal([bucket + "/reports/*"], Strings(statements["WriteCompletionReports"].Children["Resource"]));
        Assert.Equal("!Ref BatchOperationsBucketName", "!Ref " + SamTemplate.Scalar(_template.Properties("BatchOperationsBucket"), "BucketName"));
        var outputs = SamTemplate.Map(_template.Root, "Outputs");
        Assert.True(outputs.Children.ContainsKey("BatchOperationsRoleArn") && outputs.Children.ContainsKey("WorkerFunctionArn") && outputs.Children.ContainsKey("BatchOperationsBucket"));
    }

    private static List<YamlMappingNode> RoleStatements(YamlMappingNode role) =>
        ((YamlSequenceNode)role.Children["Policies"])
            .Cast<YamlMappingNode>()
            .SelectMany(p => ((YamlSequenceNode)SamTemplate.Map(p, "PolicyDocument").Children["Statement"]).Cast<YamlMappingNode>())
            .ToList();

    private static List<YamlScalarNode> Nodes(YamlNode node) => node switch
    {
        YamlSequenceNode sequence => sequence.Cast<YamlScalarNode>().ToList(),
        YamlScalarNode scalar => [scalar],
        _ => throw new InvalidOperationException("expected a string or a list of strings"),
    };

    private static List<string> Strings(YamlNode node) => node switch
    {
        YamlSequenceNode sequence => sequence.Select(n => ((YamlScalarNode)n).Value!).ToList(),
        YamlScalarNode scalar => [scalar.Value!],
        _ => throw new InvalidOperationException("expected a string or a list of strings"),
    };
}
