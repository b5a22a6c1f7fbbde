namespace Pipeline.Settings;

/// <summary>
/// One environment variable the functions read: its name, what it means, and how its default
/// reads in the documentation. Parsing and validation belong to the kinds of setting
/// (<see cref="NumberSetting"/>, <see cref="TextSetting"/>); every setting is declared once, in
/// <see cref="PipelineSettings"/>, and that declaration also writes docs/configuration.md's table.
/// </summary>
public abstract record Setting
{
    /// <summary>The environment variable, e.g. <c>PIPELINE_QUALITY</c>.</summary>
    public required string Name { get; init; }

    /// <summary>What the setting does, one sentence for the configuration table.</summary>
    public required string Help { get; init; }

    /// <summary>The default as the configuration table shows it.</summary>
    public abstract string DefaultText { get; }
}
