using YamlDotNet.RepresentationModel;

namespace Pipeline.Tests;

/// <summary>
/// template.yaml read as plain YAML (CloudFormation's !Ref/!Sub/!GetAtt kept as tagged
/// scalars), for tests that compare what is deployed with what runs locally.
/// </summary>
public sealed class SamTemplate
{
    private SamTemplate(YamlMappingNode root) => Root = root;

    /// <summary>The document's root mapping.</summary>
    public YamlMappingNode Root { get; }

    /// <summary>Loads the repository's template.yaml.</summary>
    public static SamTemplate Load()
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Artifacts.RepoRoot, "template.yaml"));
        stream.Load(reader);
        return new SamTemplate((YamlMappingNode)stream.Documents[0].RootNode);
    }

    /// <summary>A resource's mapping by logical id.</summary>
    public YamlMappingNode Resource(string logicalId) => Map(Root, "Resources", logicalId);

    /// <summary>A resource's Properties.</summary>
    public YamlMappingNode Properties(string logicalId) => Map(Resource(logicalId), "Properties");

    /// <summary>The default of a parameter.</summary>
    public string ParameterDefault(string name) => Scalar(Map(Root, "Parameters", name), "Default");

    /// <summary>A scalar value, resolving <c>!Ref Parameter</c> to the parameter's default.</summary>
    public string Value(YamlNode node)
    {
        var scalar = (YamlScalarNode)node;
        return TagOf(scalar) == "!Ref" ? ParameterDefault(scalar.Value!) : scalar.Value!;
    }

    /// <summary>
    /// What CloudFormation makes of <paramref name="node"/> when deployed with
    /// <paramref name="parameters"/> (the rest at their defaults): !Ref of a parameter, !Sub of
    /// parameters, !If over the template's Conditions. Null for <c>!Ref AWS::NoValue</c>.
    /// </summary>
    public string? Resolve(YamlNode node, IReadOnlyDictionary<string, string>? parameters = null)
    {
        parameters ??= new Dictionary<string, string>();
        string Parameter(string name) => parameters.TryGetValue(name, out var value) ? value : ParameterDefault(name);
        switch (TagOf(node), node)
        {
            case (null, YamlScalarNode plain):
                return plain.Value;
            case ("!Ref", YamlScalarNode reference):
                return reference.Value == "AWS::NoValue" ? null : Parameter(reference.Value!);
            case ("!Sub", YamlScalarNode template):
                // Parameters are substituted; resources and pseudo parameters (${Api}, ${AWS::Region}) stay as written.
                var declared = Map(Root, "Parameters").Children.Keys.Select(k => ((YamlScalarNode)k).Value).ToHashSet();
                return System.Text.RegularExpressions.Regex.Replace(template.Value!, @"\$\{([A-Za-z0-9]+)\}", m => declared.Contains(m.Groups[1].Value) ? Parameter(m.Groups[1].Value) : m.Value);
            case ("!If", YamlSequenceNode choice):
                return Resolve(choice[IsTrue(choice[0], parameters) ? 1 : 2], parameters);
            default:
                throw new InvalidOperationException($"cannot resolve {TagOf(node)} {node}");
        }
    }

    /// <summary>Whether the condition <paramref name="node"/> (a name or an expression) holds with <paramref name="parameters"/>.</summary>
    public bool IsTrue(YamlNode node, IReadOnlyDictionary<string, string>? parameters = null) => (TagOf(node), node) switch
    {
        (null or "!Condition", YamlScalarNode name) => IsTrue(Map(Root, "Conditions").Children[new YamlScalarNode(name.Value)], parameters),
        ("!Equals", YamlSequenceNode pair) => Resolve(pair[0], parameters) == Resolve(pair[1], parameters),
        ("!Not", YamlSequenceNode one) => !IsTrue(one[0], parameters),
        ("!And", YamlSequenceNode all) => all.All(c => IsTrue(c, parameters)),
        ("!Or", YamlSequenceNode any) => any.Any(c => IsTrue(c, parameters)),
        _ => throw new InvalidOperationException($"cannot evaluate the condition {node}"),
    };

    /// <summary>A node's CloudFormation short-form tag (<c>!Ref</c>, <c>!If</c>, ...), or null when it has none.</summary>
    public static string? TagOf(YamlNode node) => node.Tag.IsEmpty ? null : node.Tag.Value;

    /// <summary>Walks a path of keys through nested mappings.</summary>
    public static YamlMappingNode Map(YamlMappingNode node, params string[] path)
    {
        foreach (var key in path)
            node = (YamlMappingNode)node.Children[new YamlScalarNode(key)];
        return node;
    }

    /// <summary>The raw scalar under <paramref name="key"/>.</summary>
    public static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node.Children[new YamlScalarNode(key)]).Value!;

    /// <summary>Every node of the subtree, depth first.</summary>
    public static IEnumerable<YamlNode> Descendants(YamlNode node) => node.AllNodes;
}
