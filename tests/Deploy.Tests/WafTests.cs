using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Pipeline.Settings;
using YamlDotNet.RepresentationModel;

namespace Pipeline.Tests.Deploy;

/// <summary>The optional AWS WAF web ACL: off unless asked for, a rate limit per IP, and a clear 413 for bodies Lambda cannot take.</summary>
public sealed class WafTests
{
    private readonly SamTemplate _template = SamTemplate.Load();

    [Fact]
    public void The_waf_is_off_by_default_and_every_part_of_it_depends_on_the_parameter()
    {
        var parameter = SamTemplate.Map(_template.Root, "Parameters", "EnableWaf");
        var waf = ((YamlMappingNode)_template.Root.Children["Resources"]).Children
            .Where(r => SamTemplate.Scalar((YamlMappingNode)r.Value, "Type").StartsWith("AWS::WAFv2::", StringComparison.Ordinal))
            .ToList();

        Assert.Equal("false", SamTemplate.Scalar(parameter, "Default"));
        Assert.Equal(["false", "true"], ((YamlSequenceNode)parameter.Children["AllowedValues"]).Select(v => ((YamlScalarNode)v).Value));
        Assert.False(_template.IsTrue(new YamlScalarNode("WafEnabled")));
        Assert.True(_template.IsTrue(new YamlScalarNode("WafEnabled"), new Dictionary<string, string> { ["EnableWaf"] = "true" }));
        Assert.Equal(["WebAcl", "WebAclAssociation"], waf.Select(r => ((YamlScalarNode)r.Key).Value).Order());
        Assert.All(waf, r => Assert.Equal("WafEnabled", SamTemplate.Scalar((YamlMappingNode)r.Value, "Condition")));
        Assert.Equal("WafEnabled", SamTemplate.Scalar(SamTemplate.Map(_template.Root, "Outputs", "WebAclArn"), "Condition"));
        // The association protects the API's stage, in this region.
        var association = _template.Properties("WebAclAssociation");
        Assert.Equal("arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/${PipelineApi}/stages/${PipelineApi.Stage}", SamTemplate.Scalar(association, "ResourceArn"));
        Assert.Equal("REGIONAL", SamTemplate.Scalar(_template.Properties("WebAcl"), "Scope"));
    }

    [Fact]
    public void The_waf_answers_too_many_requests_from_one_ip_with_a_json_429()
    {
        var rule = Rule("RatePerIp");
        var rate = SamTemplate.Map(rule, "Statement", "RateBasedStatement");

        Assert.Equal("IP", SamTemplate.Scalar(rate, "AggregateKeyType"));
        Assert.Equal("!Ref", SamTemplate.TagOf(rate.Children["Limit"]));
        Assert.Equal("WafRateLimit", SamTemplate.Scalar(rate, "Limit"));
        Assert.Equal("300", SamTemplate.Scalar(rate, "EvaluationWindowSec"));
        AssertJsonBlock(rule, 429, "too_many_requests");
    }

    [Fact]
    public void The_waf_refuses_with_a_json_413_exactly_the_bodies_too_large_for_lambda()
    {
        var rule = Rule("BodyTooLargeForLambda");
        var match = SamTemplate.Map(rule, "Statement", "RegexMatchStatement");
        Assert.Equal("content-length", SamTemplate.Scalar(SamTemplate.Map(match, "FieldToMatch", "SingleHeader"), "Name"));
        var regex = new Regex(SamTemplate.Scalar(match, "RegexString"), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        long ceiling = PipelineSettings.InlineBytesCeiling;

        // Every length around the ceiling, then every power of ten and its neighbours, then 10 MB.
        var lengths = Enumerable.Range(-100_000, 200_001).Select(d => ceiling + d)
            .Concat(Enumerable.Range(0, 12).SelectMany(e => new[] { (long)Math.Pow(10, e) - 1, (long)Math.Pow(10, e), (long)Math.Pow(10, e) + 1 }))
            .Append(10L * 1024 * 1024).Append(0);
        foreach (var length in lengths)
        {
            var text = length.ToString(CultureInfo.InvariantCulture);
            Assert.True(regex.IsMatch(text) == length > ceiling, $"Content-Length {text}");
            Assert.True(regex.IsMatch("00" + text) == length > ceiling, $"Content-Length 00{text}");
        }
        Assert.DoesNotMatch(regex, "4712449 ");
        Assert.DoesNotMatch(regex, "x4712449");
        var message = AssertJsonBlock(rule, 413, "payload_too_large");
        Assert.Contains("POST /uploads", message, StringComparison.Ordinal);
    }

    private YamlMappingNode Rule(string name) =>
        ((YamlSequenceNode)_template.Properties("WebAcl").Children["Rules"]).Cast<YamlMappingNode>().Single(r => SamTemplate.Scalar(r, "Name") == name);

    /// <summary>Asserts the rule blocks with <paramref name="status"/> and a body in the service's error shape; returns its message.</summary>
    private string AssertJsonBlock(YamlMappingNode rule, int status, string code)
    {
        var response = SamTemplate.Map(rule, "Action", "Block", "CustomResponse");
        Assert.Equal(status.ToString(CultureInfo.InvariantCulture), SamTemplate.Scalar(response, "ResponseCode"));
        var body = SamTemplate.Map(_template.Properties("WebAcl"), "CustomResponseBodies", SamTemplate.Scalar(response, "CustomResponseBodyKey"));
        Assert.Equal("APPLICATION_JSON", SamTemplate.Scalar(body, "ContentType"));
        using var json = JsonDocument.Parse(SamTemplate.Scalar(body, "Content"));
        var error = json.RootElement.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        return error.GetProperty("message").GetString()!;
    }
}
