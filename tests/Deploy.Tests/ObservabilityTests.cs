using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Pipeline.Tests.Deploy;

/// <summary>What an operator sees of the deployed stack: alarms, the dashboard, logs with a retention, traces.</summary>
public sealed partial class ObservabilityTests
{
    private static readonly string[] Functions = ["ApiFunction", "WorkerFunction"];

    /// <summary>The metrics both functions write in Embedded Metric Format, namespace Pipeline.</summary>
    private static readonly string[] PipelineMetrics =
        ["ImagesConverted", "ImagesFailed", "BytesIn", "BytesOut", "MegapixelsIn", "ConversionMs", "EndToEndMs", "BatchSize", "DuplicatesSkipped", "Requests", "LatencyMs"];

    private readonly SamTemplate _template = SamTemplate.Load();

    [Theory]
    [InlineData("DeadLetterQueueAlarm", "AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName=DeadLetterQueue.QueueName", "Maximum", "0")]
    [InlineData("QueueAgeAlarm", "AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName=WorkerQueue.QueueName", "Maximum", "QueueAgeAlarmSeconds")]
    [InlineData("Api5xxAlarm", "AWS/ApiGateway", "5XXError", "ApiName=${AWS::StackName}-api,Stage=Prod", "Average", "0.05")]
    [InlineData("ApiFunctionErrorsAlarm", "AWS/Lambda", "Errors", "FunctionName=ApiFunction", "Sum", "0")]
    [InlineData("ApiFunctionThrottlesAlarm", "AWS/Lambda", "Throttles", "FunctionName=ApiFunction", "Sum", "0")]
    [InlineData("WorkerFunctionErrorsAlarm", "AWS/Lambda", "Errors", "FunctionName=WorkerFunction", "Sum", "0")]
    [InlineData("WorkerFunctionThrottlesAlarm", "AWS/Lambda", "Throttles", "FunctionName=WorkerFunction", "Sum", "0")]
    public void An_alarm_watches_the_metric_that_shows_the_failure(string alarm, string metricNamespace, string metric, string dimensions, string statistic, string threshold)
    {
        var properties = _template.Properties(alarm);

        Assert.Equal("AWS::CloudWatch::Alarm", SamTemplate.Scalar(_template.Resource(alarm), "Type"));
        Assert.Equal(metricNamespace, SamTemplate.Scalar(properties, "Namespace"));
        Assert.Equal(metric, SamTemplate.Scalar(properties, "MetricName"));
        var actual = ((YamlSequenceNode)properties.Children["Dimensions"]).Cast<YamlMappingNode>()
            .Select(d => SamTemplate.Scalar(d, "Name") + "=" + SamTemplate.Scalar(d, "Value"));
        Assert.Equal(dimensions, string.Join(',', actual));
        Assert.Equal(statistic, SamTemplate.Scalar(properties, "Statistic"));
        Assert.Equal(threshold, SamTemplate.Scalar(properties, "Threshold"));
        Assert.Equal("GreaterThanThreshold", SamTemplate.Scalar(properties, "ComparisonOperator"));
        Assert.Equal("notBreaching", SamTemplate.Scalar(properties, "TreatMissingData"));
        if (metricNamespace == "AWS/ApiGateway")
            Assert.Equal(SamTemplate.Scalar(_template.Properties("PipelineApi"), "Name"), dimensions.Split(',')[0]["ApiName=".Length..]);
        if (threshold == "QueueAgeAlarmSeconds")
            Assert.Equal("!Ref", SamTemplate.TagOf(properties.Children["Threshold"]));
    }

    [Fact]
    public void Alarms_notify_the_topic_parameter_and_have_no_actions_without_one()
    {
        var alarms = Alarms().ToList();
        var topic = new Dictionary<string, string> { ["AlarmTopicArn"] = "arn:aws:sns:us-east-1:123456789012:pipeline-alarms" };

        Assert.Equal(7, alarms.Count);
        Assert.Equal("", _template.ParameterDefault("AlarmTopicArn"));
        foreach (var (id, properties) in alarms)
        {
            foreach (var actions in new[] { "AlarmActions", "OKActions" })
            {
                var choice = (YamlSequenceNode)properties.Children[actions];
                Assert.Equal("!If", SamTemplate.TagOf(choice));
                Assert.False(_template.IsTrue(choice[0]), id);
                Assert.True(_template.IsTrue(choice[0], topic), id);
                Assert.Equal("!Ref AlarmTopicArn", string.Join(' ', ((YamlSequenceNode)choice[1]).Select(n => SamTemplate.TagOf(n) + " " + ((YamlScalarNode)n).Value)));
                Assert.Null(_template.Resolve(choice[2]));
            }
        }
    }

    [Fact]
    public void The_dashboard_shows_the_pipeline_metrics_the_aws_metrics_that_matter_and_every_alarm()
    {
        using var body = JsonDocument.Parse(DashboardJson());
        var widgets = body.RootElement.GetProperty("widgets").EnumerateArray().ToList();
        var metrics = widgets.Where(w => w.GetProperty("type").GetString() == "metric")
            .SelectMany(w => w.GetProperty("properties").GetProperty("metrics").EnumerateArray())
            .ToList();
        var searched = metrics.Where(m => m.ValueKind == JsonValueKind.Object)
            .Select(m => SearchExpression().Match(m.GetProperty("expression").GetString()!))
            .Where(m => m.Success)
            .Select(m => m.Groups["metric"].Value)
            .ToHashSet();
        var named = metrics.Where(m => m.ValueKind == JsonValueKind.Array)
            .Select(m => $"{m[0].GetString()} {m[1].GetString()} {m[3].GetString()}")
            .ToHashSet();

        Assert.Subset(searched, PipelineMetrics.ToHashSet());
        Assert.Subset(searched, DocumentedMetrics());
        foreach (var function in new[] { "${ApiFunction}", "${WorkerFunction}" })
        {
            foreach (var metric in new[] { "Invocations", "Errors", "Throttles", "Duration", "ConcurrentExecutions" })
                Assert.Contains($"AWS/Lambda {metric} {function}", named);
        }
        Assert.Contains("AWS/SQS ApproximateNumberOfMessagesVisible ${WorkerQueue.QueueName}", named);
        Assert.Contains("AWS/SQS ApproximateAgeOfOldestMessage ${WorkerQueue.QueueName}", named);
        Assert.Contains("AWS/SQS ApproximateNumberOfMessagesVisible ${DeadLetterQueue.QueueName}", named);
        foreach (var metric in new[] { "Count", "4XXError", "5XXError", "Latency" })
            Assert.Contains($"AWS/ApiGateway {metric} ${{AWS::StackName}}-api", named);
        var alarmWidget = widgets.Single(w => w.GetProperty("type").GetString() == "alarm");
        Assert.Equal(
            Alarms().Select(a => "${" + a.Id + ".Arn}").Order(),
            alarmWidget.GetProperty("properties").GetProperty("alarms").EnumerateArray().Select(a => a.GetString()!).Order());
    }

    [Fact]
    public void Both_functions_log_to_groups_kept_for_the_retention_parameter()
    {
        var retention = SamTemplate.Map(_template.Root, "Parameters", "LogRetentionDays");
        Assert.Equal("30", SamTemplate.Scalar(retention, "Default"));
        Assert.Contains("30", ((YamlSequenceNode)retention.Children["AllowedValues"]).Select(v => ((YamlScalarNode)v).Value));

        foreach (var function in Functions)
        {
            var group = SamTemplate.Map(_template.Properties(function), "LoggingConfig").Children["LogGroup"];
            Assert.Equal("!Ref", SamTemplate.TagOf(group));
            var groupId = ((YamlScalarNode)group).Value!;
            Assert.Equal("AWS::Logs::LogGroup", SamTemplate.Scalar(_template.Resource(groupId), "Type"));
            var retentionDays = _template.Properties(groupId).Children["RetentionInDays"];
            Assert.Equal("!Ref LogRetentionDays", SamTemplate.TagOf(retentionDays) + " " + ((YamlScalarNode)retentionDays).Value);
            Assert.Equal(groupId, (string?)TranslatedTemplate.Properties(function)["LoggingConfig"]!["LogGroup"]!["Ref"]);
        }
    }

    [Fact]
    public void The_api_stage_writes_json_access_logs_with_the_callers_key_id_and_address()
    {
        var stage = TranslatedTemplate.OfType("AWS::ApiGateway::Stage").Single().Resource["Properties"]!;
        var setting = stage["AccessLogSetting"]!;
        var group = (string)setting["DestinationArn"]!["Fn::GetAtt"]![0]!;
        using var format = JsonDocument.Parse((string)setting["Format"]!);
        var fields = format.RootElement.EnumerateObject().ToDictionary(f => f.Value.GetString()!, f => f.Name);

        Assert.Equal("AWS::Logs::LogGroup", (string?)TranslatedTemplate.Resources[group]!["Type"]);
        Assert.Equal("LogRetentionDays", (string?)TranslatedTemplate.Properties(group)["RetentionInDays"]!["Ref"]);
        foreach (var variable in new[] { "$context.requestId", "$context.requestTime", "$context.identity.sourceIp", "$context.identity.apiKeyId", "$context.httpMethod", "$context.path", "$context.status" })
            Assert.True(fields.ContainsKey(variable), $"the access log has no {variable}");
        // API Gateway writes access logs through the account's logging role, which must exist first.
        Assert.Equal("ApiGatewayAccount", (string?)TranslatedTemplate.Resources["PipelineApi"]!["DependsOn"]);
        Assert.Equal("ApiGatewayLogsRole", (string?)TranslatedTemplate.Properties("ApiGatewayAccount")["CloudWatchRoleArn"]!["Fn::GetAtt"]![0]);
    }

    [Fact]
    public void The_deploy_procedure_asks_for_an_alarm_topic()
    {
        var deploy = File.ReadAllText(Path.Combine(Artifacts.RepoRoot, "docs", "deploy.md"));
        var commands = deploy[..deploy.IndexOf("\n## ", StringComparison.Ordinal)];

        Assert.Contains("sns create-topic", commands, StringComparison.Ordinal);
        Assert.Contains("AlarmTopicArn=", commands, StringComparison.Ordinal);
    }

    [Fact]
    public void Both_functions_and_the_api_stage_are_traced_with_permission_to_send_traces()
    {
        Assert.Equal("Active", SamTemplate.Scalar(SamTemplate.Map(_template.Root, "Globals", "Function"), "Tracing"));
        Assert.Equal("true", SamTemplate.Scalar(_template.Properties("PipelineApi"), "TracingEnabled"));

        foreach (var function in Functions)
        {
            Assert.Equal("Active", (string?)TranslatedTemplate.Properties(function)["TracingConfig"]!["Mode"]);
            var policies = TranslatedTemplate.Properties(function + "Role")["ManagedPolicyArns"]!.AsArray().Select(p => p!.ToJsonString());
            Assert.Contains(policies, p => p.Contains("AWSXrayWriteOnlyAccess", StringComparison.Ordinal));
        }
        Assert.True((bool?)TranslatedTemplate.OfType("AWS::ApiGateway::Stage").Single().Resource["Properties"]!["TracingEnabled"]);
    }

    private IEnumerable<(string Id, YamlMappingNode Properties)> Alarms() =>
        ((YamlMappingNode)_template.Root.Children["Resources"]).Children
            .Where(r => SamTemplate.Scalar((YamlMappingNode)r.Value, "Type") == "AWS::CloudWatch::Alarm")
            .Select(r => (((YamlScalarNode)r.Key).Value!, SamTemplate.Map((YamlMappingNode)r.Value, "Properties")));

    /// <summary>The metric names of the deploy document's Metrics table (first column, in backticks).</summary>
    private static HashSet<string> DocumentedMetrics()
    {
        var document = File.ReadAllText(Path.Combine(Artifacts.RepoRoot, "docs", "deploy.md"));
        var section = document[document.IndexOf("\n## Metrics\n", StringComparison.Ordinal)..];
        int next = section.IndexOf("\n## ", 1, StringComparison.Ordinal);
        section = next < 0 ? section : section[..next];
        var names = section.Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal))
            .SelectMany(l => MetricName().Matches(l.Split('|')[1]).Select(m => m.Groups[1].Value))
            .ToHashSet();
        Assert.NotEmpty(names);
        return names;
    }

    /// <summary>The dashboard's body with its one number-valued substitution (the queue-age threshold) filled in.</summary>
    private string DashboardJson()
    {
        var body = _template.Properties("Dashboard").Children["DashboardBody"];
        Assert.Equal("!Sub", SamTemplate.TagOf(body));
        return ((YamlScalarNode)body).Value!.Replace("${QueueAgeAlarmSeconds}", "900", StringComparison.Ordinal);
    }

    [GeneratedRegex("`(\\w+)`")]
    private static partial Regex MetricName();

    [GeneratedRegex("""^SEARCH\('Namespace="Pipeline" MetricName="(?<metric>\w+)"', '\w+', 300\)$""")]
    private static partial Regex SearchExpression();
}
