using System.Globalization;
using Pipeline.Imaging;
using Pipeline.Settings;
using YamlDotNet.RepresentationModel;

namespace Pipeline.Tests.Deploy;

/// <summary>Each setting is declared once: the configuration document's table and the template's parameters follow the declaration.</summary>
public sealed class SettingsTests
{
    private readonly SamTemplate _template = SamTemplate.Load();

    [Fact]
    public void The_configuration_documents_table_is_the_one_the_declarations_write()
    {
        var document = File.ReadAllText(Path.Combine(Artifacts.RepoRoot, "docs", "configuration.md"));

        Assert.Contains(PipelineSettings.MarkdownTable(), document, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_variable_the_template_sets_is_a_declared_setting_with_the_same_bounds()
    {
        var declared = PipelineSettings.All.ToDictionary(s => s.Name);
        var variables = Variables().ToList();

        Assert.NotEmpty(variables);
        foreach (var (name, value) in variables)
        {
            if (name == "OPENCV_LOG_LEVEL")
                continue; // OpenCV's own logging switch, not a setting of ours
            Assert.True(declared.ContainsKey(name), $"template.yaml sets {name}, which no setting declares");
            if (declared[name] is not NumberSetting number || value is not YamlScalarNode reference || SamTemplate.TagOf(reference) != "!Ref")
                continue;
            // CloudFormation refuses at deploy time exactly what the function would refuse at start.
            var parameter = SamTemplate.Map(_template.Root, "Parameters", reference.Value!);
            Assert.Equal(number.Min, Bound(parameter, "MinValue"));
            Assert.Equal(number.Max, Bound(parameter, "MaxValue"));
            Assert.InRange(long.Parse(SamTemplate.Scalar(parameter, "Default"), CultureInfo.InvariantCulture), number.Min, number.Max);
        }
    }

    [Fact]
    public void A_bad_value_is_refused_naming_the_variable_and_its_bounds()
    {
        var error = Assert.Throws<InvalidOperationException>(() => PipelineSettings.Quality.Parse("101"));
        Assert.Equal("PIPELINE_QUALITY must be between 1 and 100, not 101.", error.Message);
        error = Assert.Throws<InvalidOperationException>(() => PipelineSettings.MaxReceiveCount.Parse("three"));
        Assert.Equal("PIPELINE_MAX_RECEIVE_COUNT must be a whole number, not 'three'.", error.Message);
    }

    [Fact]
    public void Every_number_has_a_default_within_its_bounds_one_computed_or_none_said_so()
    {
        foreach (var setting in PipelineSettings.All.OfType<NumberSetting>())
        {
            if (setting.Default is { } value)
                Assert.Equal(value, setting.Check(value));
            else
                Assert.True(setting.ComputedDefault is not null || setting.DefaultText == "unset", $"{setting.Name}: no default, none computed, and its text does not say so");
            Assert.False(setting.Default is not null && setting.ComputedDefault is not null, $"{setting.Name}: a fixed default beside a computed one");
        }
    }

    [Fact]
    public void Unset_quality_names_none_and_the_quality_its_help_names_is_the_converters()
    {
        Assert.Null(PipelineSettings.Quality.ReadOptional(_ => null));
        Assert.Equal("unset", PipelineSettings.Quality.DefaultText);
        // The number is the converter's (Imaging knows nothing of settings): the help says it as it is.
        Assert.EndsWith($"whatever is encoded gets {GrayscaleConverter.DefaultQuality}", PipelineSettings.Quality.Help, StringComparison.Ordinal);
    }

    private static long? Bound(YamlMappingNode parameter, string key) =>
        parameter.Children.TryGetValue(new YamlScalarNode(key), out var node) ? long.Parse(((YamlScalarNode)node).Value!, CultureInfo.InvariantCulture) : null;

    /// <summary>Every environment variable of every function, with its value node (a scalar, or e.g. an !If).</summary>
    private IEnumerable<(string Name, YamlNode Value)> Variables()
    {
        var globals = SamTemplate.Map(_template.Root, "Globals", "Function", "Environment", "Variables");
        var functions = new[] { "ApiFunction", "WorkerFunction" }.Select(f => SamTemplate.Map(_template.Properties(f), "Environment", "Variables"));
        foreach (var variables in functions.Prepend(globals))
        {
            foreach (var (key, value) in variables.Children)
                yield return (((YamlScalarNode)key).Value!, value);
        }
    }
}
