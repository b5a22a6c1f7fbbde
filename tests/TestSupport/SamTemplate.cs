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
        return scalar.Tag.Value == "!Ref" ? ParameterDefault(scalar.Value!) : scalar.Value!;
    }

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
