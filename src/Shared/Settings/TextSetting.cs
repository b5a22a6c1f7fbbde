namespace Pipeline.Settings;

/// <summary>A text setting: required (start fails without it) or optional (null when unset).</summary>
public sealed record TextSetting : Setting
{
    /// <summary>True when the functions refuse to start without it.</summary>
    public bool Required { get; init; }

    /// <summary>Shortest value accepted when set.</summary>
    public int MinLength { get; init; } = 1;

    /// <summary>How the configuration table describes the value when unset.</summary>
    public string UnsetText { get; init; } = "unset";

    /// <inheritdoc/>
    public override string DefaultText => Required ? "(required)" : UnsetText;

    /// <summary>The value of <paramref name="text"/>, null when unset and optional; throws naming the variable otherwise.</summary>
    public string? Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
            return Required ? throw new InvalidOperationException($"{Name} is not set.") : null;
        if (text.Length < MinLength)
            throw new InvalidOperationException($"{Name} must be at least {MinLength} characters when set.");
        return text;
    }

    /// <summary>The value of the variable as <paramref name="read"/> returns it; see <see cref="Parse"/>.</summary>
    public string? Read(Func<string, string?> read) => Parse(read(Name));
}
