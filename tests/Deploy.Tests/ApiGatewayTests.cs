using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Api;
using Pipeline.Api.Gateway;
using Pipeline.Diagnostics;
using Pipeline.Imaging;
using Pipeline.Lambda;
using YamlDotNet.RepresentationModel;

namespace Pipeline.Tests.Deploy;

/// <summary>
/// The REST API as deployed: what API Gateway answers by itself (and that it answers as the
/// function would), what reaches the function, and what bounds the traffic it takes.
/// </summary>
public sealed class ApiGatewayTests
{
    private const string AnyMethod = "x-amazon-apigateway-any-method";
    private const string HeaderPrefix = "method.response.header.";

    private readonly SamTemplate _template = SamTemplate.Load();

    [Fact]
    public void Health_and_every_preflight_are_mock_integrations_that_need_no_api_key()
    {
        var methods = TranslatedTemplate.ApiMethods().ToList();
        var mocks = methods.Where(m => m.Method == "options" || m.Path == "/health").ToList();

        Assert.Contains(mocks, m => m.Path == "/health" && m.Method == "get");
        Assert.All(methods.Select(m => m.Path).Distinct(), path => Assert.Contains(mocks, m => m.Path == path && m.Method == "options"));
        Assert.All(mocks, m =>
        {
            var integration = m.Definition["x-amazon-apigateway-integration"]!;
            Assert.Equal("mock", (string?)integration["type"]);
            // With binary media types */*, a mock that does not convert the request to text answers 500.
            Assert.Equal("CONVERT_TO_TEXT", (string?)integration["contentHandling"]);
            Assert.Equal("CONVERT_TO_TEXT", (string?)integration["responses"]!["default"]!["contentHandling"]);
            Assert.Null(m.Definition["security"]);
        });
    }

    [Fact]
    public void No_lambda_permission_is_granted_for_health_or_a_preflight()
    {
        var permissions = PermissionRoutes().ToList();

        Assert.NotEmpty(permissions);
        Assert.All(permissions, p =>
        {
            var method = p.Route[1..p.Route.IndexOf('/', 1)];
            var path = p.Route[(method.Length + 1)..];
            Assert.NotEqual("OPTIONS", method);
            Assert.NotEqual("/health", path);
        });
    }

    [Fact]
    public void Only_the_declared_stage_exists_and_every_permission_names_it()
    {
        var declared = SamTemplate.Scalar(_template.Properties("PipelineApi"), "StageName");
        var stage = Assert.Single(TranslatedTemplate.OfType("AWS::ApiGateway::Stage"));

        // Without OpenApiVersion, SAM adds a Deployment with StageName "Stage": a second stage
        // with none of the declared one's throttles, usage plan or WAF.
        Assert.All(TranslatedTemplate.OfType("AWS::ApiGateway::Deployment"), d => Assert.Null(d.Resource["Properties"]!["StageName"]));
        Assert.Equal(declared, (string?)stage.Resource["Properties"]!["StageName"]);
        // SAM's Api events grant every stage (.../*/GET/): each permission names this one instead.
        Assert.All(PermissionRoutes(), p => Assert.Equal("${" + stage.Id + "}", p.Stage));
        Assert.All(TranslatedTemplate.OfType("AWS::Lambda::Permission"), p => Assert.Equal("apigateway.amazonaws.com", (string?)p.Resource["Properties"]!["Principal"]));
    }

    [Fact]
    public void Every_route_to_the_function_needs_the_api_key_but_the_web_pages_gets()
    {
        var proxied = TranslatedTemplate.ApiMethods()
            .Where(m => (string?)m.Definition["x-amazon-apigateway-integration"]!["type"] == "aws_proxy")
            .ToList();
        var any = proxied.Where(m => m.Method == AnyMethod).ToList();

        Assert.Equal([("/", AnyMethod), ("/{proxy+}", AnyMethod)], any.Select(m => (m.Path, m.Method)).Order());
        // As deployed with the default Authorizer (none): the key alone.
        Assert.All(any, m => Assert.Equal("""[{"api_key":[]}]""", TranslatedTemplate.Resolve(m.Definition["security"])?.ToJsonString()));
        // Without a key only the page's GETs (TemplateTests checks which, and their throttle).
        Assert.All(proxied.Where(m => m.Definition["security"] is null), m => Assert.Equal("get", m.Method));
        var apiKey = TranslatedTemplate.ApiBody["securityDefinitions"]!["api_key"]!;
        Assert.Equal(("apiKey", "x-api-key", "header"), ((string?)apiKey["type"], (string?)apiKey["name"], (string?)apiKey["in"]));
        // API Gateway may invoke the function for exactly those routes.
        var permissions = PermissionRoutes().Select(p => p.Route).Order(StringComparer.Ordinal);
        Assert.Equal(["/*/", "/*/*", "/GET/", "/GET/assets/*"], permissions);
    }

    /// <summary>
    /// Each Lambda permission's SourceArn (arn:...:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH)
    /// split into its stage (as written: "*", ${__Stage__} or ${StageResource}) and its route ("/METHOD/PATH").
    /// </summary>
    private static IEnumerable<(string Stage, string Route)> PermissionRoutes() =>
        TranslatedTemplate.OfType("AWS::Lambda::Permission").Select(p =>
        {
            var sourceArn = TranslatedTemplate.SubText(p.Resource["Properties"]!["SourceArn"]!);
            const string account = "${AWS::AccountId}:";
            var parts = sourceArn[(sourceArn.IndexOf(account, StringComparison.Ordinal) + account.Length)..].Split('/', 3);
            return (parts[1], "/" + parts[2]);
        });

    [Theory]
    [InlineData("")]
    [InlineData("https://app.example")]
    [InlineData("*")]
    public async Task Health_from_the_gateway_is_what_the_function_answers(string origin)
    {
        var function = await FunctionAnswerAsync(origin, "GET", "/health");
        var gateway = MockAnswer("/health", "get", origin);

        Assert.Equal(function.StatusCode, gateway.Status);
        Assert.Equal(Sorted(function.Headers!), Sorted(gateway.Headers));
        Assert.False(function.IsBase64Encoded);
        Assert.Equal(function.Body, gateway.Body);
    }

    [Theory]
    [InlineData("none", """[{"api_key":[]}]""", null)]
    [InlineData("cognito", """[{"api_key":[],"cognito":[]}]""", "cognito_user_pools")]
    [InlineData("iam", """[{"api_key":[],"sigv4":[]}]""", "awsSigv4")]
    public void An_authorizer_chosen_by_parameter_guards_every_function_route_beside_the_key(string authorizer, string security, string? authType)
    {
        const string pool = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Ex4mpLe12";
        var parameters = new Dictionary<string, string> { ["Authorizer"] = authorizer, ["CognitoUserPoolArn"] = authorizer == "cognito" ? pool : "" };
        var body = TranslatedTemplate.Resolve(TranslatedTemplate.ApiBody, parameters)!.AsObject();
        var methods = body["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject().Select(m => (Path: p.Key, Method: m.Key, Definition: m.Value!.AsObject()))).ToList();

        var guarded = methods.Where(m => m.Definition["security"] is not null).ToList();
        Assert.Equal([("/", AnyMethod), ("/{proxy+}", AnyMethod)], guarded.Select(m => (m.Path, m.Method)).Order());
        Assert.All(guarded, m => Assert.Equal(security, m.Definition["security"]!.ToJsonString()));
        // The page, health and the preflights stay open whatever the choice.
        Assert.All(methods.Except(guarded), m => Assert.True(m.Method is "get" or "options", $"{m.Method} {m.Path}"));
        var definitions = body["securityDefinitions"]!.AsObject();
        Assert.Equal(authType is null ? ["api_key"] : ["api_key", authorizer == "cognito" ? "cognito" : "sigv4"], definitions.Select(d => d.Key).Order());
        if (authType is not null)
        {
            var scheme = definitions[authorizer == "cognito" ? "cognito" : "sigv4"]!;
            Assert.Equal(authType, (string?)scheme["x-amazon-apigateway-authtype"]);
            Assert.Equal(("apiKey", "Authorization", "header"), ((string?)scheme["type"], (string?)scheme["name"], (string?)scheme["in"]));
            if (authorizer == "cognito")
                Assert.Equal(pool, (string?)scheme["x-amazon-apigateway-authorizer"]!["providerARNs"]![0]);
        }
        // Its refusals are the service's JSON errors, not API Gateway's {"message":...}.
        var responses = body["x-amazon-apigateway-gateway-responses"]!;
        Assert.Equal("401", (string?)responses["UNAUTHORIZED"]!["statusCode"]);
        Assert.Equal("403", (string?)responses["ACCESS_DENIED"]!["statusCode"]);
    }

    [Fact]
    public void Api_gateways_own_answers_carry_the_headers_the_functions_answers_carry()
    {
        var responses = TranslatedTemplate.ApiBody["x-amazon-apigateway-gateway-responses"]!.AsObject();

        Assert.NotEmpty(responses);
        Assert.All(responses, r =>
        {
            var headers = r.Value!["responseParameters"]!.AsObject();
            Assert.Equal("'nosniff'", (string?)headers["gatewayresponse.header.X-Content-Type-Options"]);
            Assert.Equal("'no-referrer'", (string?)headers["gatewayresponse.header.Referrer-Policy"]);
            Assert.Equal($"'{Responses.DataPolicy}'", (string?)headers["gatewayresponse.header.Content-Security-Policy"]);
        });
    }

    [Fact]
    public void A_key_per_client_joins_the_usage_plan_an_output_names_and_parameter_changes_reach_the_stage()
    {
        var plan = Assert.Single(TranslatedTemplate.OfType("AWS::ApiGateway::UsagePlan"));
        Assert.Equal("PipelineApi", (string?)plan.Resource["Properties"]!["ApiStages"]![0]!["ApiId"]!["Ref"]);
        Assert.Equal(plan.Id, SamTemplate.Scalar(SamTemplate.Map(_template.Root, "Outputs", "UsagePlanId"), "Value"));
        Assert.Equal("!Ref", SamTemplate.TagOf(SamTemplate.Map(_template.Root, "Outputs", "UsagePlanId").Children[new YamlScalarNode("Value")]));
        // The definition varies with AllowedOrigin and Authorizer through Fn::If, which SAM's
        // deployment hash does not see: only a deployment on every update puts a change on the stage.
        Assert.Equal("true", SamTemplate.Scalar(_template.Properties("PipelineApi"), "AlwaysDeploy"));
    }

    [Theory]
    [InlineData("", "/", "/")]
    [InlineData("", "/{proxy+}", "/uploads")]
    [InlineData("", "/{proxy+}", "/jobs/abc/result")]
    [InlineData("", "/assets/{name}", "/assets/app.js")]
    [InlineData("", "/health", "/health")]
    [InlineData("https://app.example", "/", "/")]
    [InlineData("https://app.example", "/{proxy+}", "/uploads")]
    [InlineData("https://app.example", "/{proxy+}", "/jobs/abc")]
    [InlineData("https://app.example", "/{proxy+}", "/jobs/abc/result")]
    [InlineData("https://app.example", "/health", "/health")]
    [InlineData("*", "/{proxy+}", "/grayscale")]
    [InlineData("https://app.example", "/assets/{name}", "/assets/app.js")]
    public async Task A_preflight_from_the_gateway_allows_what_the_function_allows(string origin, string resource, string path)
    {
        var function = await FunctionAnswerAsync(origin, "OPTIONS", path);
        var gateway = MockAnswer(resource, "options", origin);

        Assert.Equal(204, function.StatusCode);
        Assert.Equal(function.StatusCode, gateway.Status);
        const string methods = "Access-Control-Allow-Methods";
        Assert.Equal(Sorted(function.Headers!.Where(h => h.Key != methods)), Sorted(gateway.Headers.Where(h => h.Key != methods)));
        // The gateway gives one answer for every path: every method the function allows on this one.
        Assert.Subset(Split(gateway.Headers[methods]), Split(function.Headers![methods]));
        Assert.Contains("X-Api-Key", Split(gateway.Headers["Access-Control-Allow-Headers"]));
        Assert.True(string.IsNullOrEmpty(function.Body));
        Assert.Equal("", gateway.Body);
    }

    [Fact]
    public void Cors_defaults_to_the_services_own_origin_and_any_origin_only_when_a_deployer_asks()
    {
        Assert.Equal("", _template.ParameterDefault("AllowedOrigin"));
        var variable = SamTemplate.Map(_template.Properties("ApiFunction"), "Environment", "Variables").Children["PIPELINE_ALLOWED_ORIGIN"];
        var preflight = MockAnswer("/{proxy+}", "options", origin: "");

        // By default the function sends no CORS headers (its page is same-origin) and the gateway's
        // preflight allows no origin; the buckets allow only the API's own origin.
        Assert.Null(_template.Resolve(variable));
        Assert.False(preflight.Headers.ContainsKey("Access-Control-Allow-Origin"));
        var ownOrigin = "https://${PipelineApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}";
        Assert.Equal([ownOrigin], BucketOrigins(origin: ""));
        // A deployer's origin, "*" included, is added and nothing else.
        foreach (var origin in new[] { "https://app.example", "*" })
        {
            Assert.Equal(origin, _template.Resolve(variable, Parameters(origin)));
            Assert.Equal(origin, MockAnswer("/{proxy+}", "options", origin).Headers["Access-Control-Allow-Origin"]);
            Assert.Equal([ownOrigin, origin], BucketOrigins(origin));
        }
    }

    [Fact]
    public void The_stage_is_throttled_the_function_has_reserved_concurrency_and_each_key_a_daily_quota()
    {
        // The whole stage: every resource and method (more specific settings may only lower it).
        var stage = ((YamlSequenceNode)_template.Properties("PipelineApi").Children["MethodSettings"]).Cast<YamlMappingNode>()
            .Single(s => SamTemplate.Scalar(s, "ResourcePath") == "/*" && SamTemplate.Scalar(s, "HttpMethod") == "*");
        AssertParameterised(stage.Children["ThrottlingRateLimit"], "StageRateLimit");
        AssertParameterised(stage.Children["ThrottlingBurstLimit"], "StageBurstLimit");

        AssertParameterised(_template.Properties("ApiFunction").Children["ReservedConcurrentExecutions"], "ApiReservedConcurrency");

        var usagePlan = SamTemplate.Map(_template.Properties("PipelineApi"), "Auth", "UsagePlan");
        AssertParameterised(SamTemplate.Map(usagePlan, "Throttle").Children["RateLimit"], "ApiRateLimit");
        AssertParameterised(SamTemplate.Map(usagePlan, "Throttle").Children["BurstLimit"], "ApiBurstLimit");
        var quota = SamTemplate.Map(usagePlan, "Quota");
        AssertParameterised(quota.Children["Limit"], "ApiDailyQuota");
        Assert.Equal("DAY", SamTemplate.Scalar(quota, "Period"));

        // What SAM hands CloudFormation carries them too.
        var translatedStage = TranslatedTemplate.OfType("AWS::ApiGateway::Stage").Single().Resource["Properties"]!;
        Assert.Equal("StageRateLimit", (string?)translatedStage["MethodSettings"]![0]!["ThrottlingRateLimit"]!["Ref"]);
        var translatedPlan = TranslatedTemplate.OfType("AWS::ApiGateway::UsagePlan").Single().Resource["Properties"]!;
        // SAM resolves the usage plan's parameters to their deployed values (here the defaults).
        Assert.Equal(_template.ParameterDefault("ApiDailyQuota"), translatedPlan["Quota"]!["Limit"]!.ToJsonString());
        Assert.Equal("ApiReservedConcurrency", (string?)TranslatedTemplate.Properties("ApiFunction")["ReservedConcurrentExecutions"]!["Ref"]);
    }

    [Fact]
    public void Gateway_errors_are_json_in_the_services_error_shape_and_oversized_bodies_are_pointed_to_uploads()
    {
        var responses = SamTemplate.Map(_template.Properties("PipelineApi"), "GatewayResponses");

        foreach (var (key, value) in responses.Children)
        {
            var template = SamTemplate.Scalar(SamTemplate.Map((YamlMappingNode)value, "ResponseTemplates"), "application/json");
            // API Gateway's variables as it substitutes them: the message string comes quoted.
            using var body = JsonDocument.Parse(template.Replace("$context.error.responseType", "THROTTLED", StringComparison.Ordinal)
                .Replace("$context.error.messageString", "\"Too Many Requests\"", StringComparison.Ordinal));
            var error = body.RootElement.GetProperty("error");
            Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("code").GetString()), ((YamlScalarNode)key).Value);
            Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()), ((YamlScalarNode)key).Value);
        }
        Assert.Equal("413", SamTemplate.Scalar(SamTemplate.Map(responses, "REQUEST_TOO_LARGE"), "StatusCode"));
        // A body too large for Lambda reaches API Gateway's invocation, which reports it as one of these.
        foreach (var type in new[] { "REQUEST_TOO_LARGE", "INTEGRATION_FAILURE", "API_CONFIGURATION_ERROR" })
            Assert.Contains("POST /uploads", SamTemplate.Scalar(SamTemplate.Map(responses, type, "ResponseTemplates"), "application/json"), StringComparison.Ordinal);
        foreach (var type in new[] { "THROTTLED", "QUOTA_EXCEEDED" })
            Assert.Equal("429", SamTemplate.Scalar(SamTemplate.Map(responses, type), "StatusCode"));
    }

    private void AssertParameterised(YamlNode value, string parameter)
    {
        Assert.Equal("!Ref", SamTemplate.TagOf(value));
        Assert.Equal(parameter, ((YamlScalarNode)value).Value);
        var declaration = SamTemplate.Map(_template.Root, "Parameters", parameter);
        Assert.Equal("Number", SamTemplate.Scalar(declaration, "Type"));
        Assert.True(long.Parse(SamTemplate.Scalar(declaration, "MinValue"), CultureInfo.InvariantCulture) >= 1, parameter + " may be 0");
        Assert.True(double.Parse(_template.ParameterDefault(parameter), CultureInfo.InvariantCulture) >= 1);
    }

    private static Dictionary<string, string> Parameters(string origin) => new() { ["AllowedOrigin"] = origin };

    private List<string> BucketOrigins(string origin)
    {
        var lists = new[] { "InputBucket", "OutputBucket" }
            .SelectMany(b => ((YamlSequenceNode)SamTemplate.Map(_template.Properties(b), "CorsConfiguration").Children["CorsRules"]).Cast<YamlMappingNode>())
            .Select(rule => ((YamlSequenceNode)rule.Children["AllowedOrigins"]).Select(o => _template.Resolve(o, Parameters(origin))).OfType<string>().ToList())
            .ToList();
        Assert.All(lists, l => Assert.Equal(lists[0], l));
        return lists[0];
    }

    /// <summary>What API Gateway answers for a mock method of the template's DefinitionBody, deployed with <paramref name="origin"/>.</summary>
    private (int Status, Dictionary<string, string> Headers, string Body) MockAnswer(string path, string method, string origin)
    {
        var integration = SamTemplate.Map(_template.Properties("PipelineApi"), "DefinitionBody", "paths", path, method, "x-amazon-apigateway-integration");
        Assert.Equal("mock", SamTemplate.Scalar(integration, "type"));
        var response = SamTemplate.Map(integration, "responses", "default");
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in SamTemplate.Map(response, "responseParameters").Children)
        {
            var name = ((YamlScalarNode)key).Value!;
            Assert.StartsWith(HeaderPrefix, name, StringComparison.Ordinal);
            // A static value is written in single quotes.
            if (_template.Resolve(value, Parameters(origin)) is { } quoted)
                headers[name[HeaderPrefix.Length..]] = quoted.StartsWith('\'') && quoted.EndsWith('\'') ? quoted[1..^1] : throw new InvalidOperationException($"{name} is not a static value: {quoted}");
        }
        var body = response.Children.TryGetValue(new YamlScalarNode("responseTemplates"), out var templates)
            ? SamTemplate.Scalar((YamlMappingNode)templates, "application/json")
            : "";
        return (int.Parse(SamTemplate.Scalar(response, "statusCode"), CultureInfo.InvariantCulture), headers, body);
    }

    private static async Task<APIGatewayProxyResponse> FunctionAnswerAsync(string origin, string method, string path)
    {
        var options = new ApiOptions { AllowedOrigin = origin == "" ? null : origin };
        var function = new ApiFunction(options, Converters.Default, UnreachableStorage.Store(), JsonLog.Null);
        var e = ApiEvents.RestV1(method, path).WithHeader("Origin", "https://app.example");
        var invocation = new Invocation(Guid.NewGuid().ToString(), DateTimeOffset.UtcNow.AddSeconds(30), null, e.ToPayload());
        var answer = await function.HandleAsync(invocation, CancellationToken.None);
        return JsonSerializer.Deserialize(answer.Span, GatewayJsonContext.Default.APIGatewayProxyResponse)!;
    }

    private static List<KeyValuePair<string, string>> Sorted(IEnumerable<KeyValuePair<string, string>> headers) =>
        [.. headers.Select(h => KeyValuePair.Create(h.Key.ToLowerInvariant(), h.Value)).OrderBy(h => h.Key, StringComparer.Ordinal)];

    private static HashSet<string> Split(string list) => [.. list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];
}
