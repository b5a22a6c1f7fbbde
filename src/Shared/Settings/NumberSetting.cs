using System.Globalization;

namespace Pipeline.Settings;

/// <summary>A whole-number setting with inclusive bounds; out-of-bounds or malformed values are refused at start.</summary>
public sealed record NumberSetting : Setting
{
    /// <summary>
    /// The value when the variable is unset; null when no fixed value stands in for it: the
    /// setting's absence means something (read it with <see cref="ReadOptional"/>), or its
    /// default is computed from the other settings (<see cref="ComputedDefault"/>).
    /// </summary>
    public required long? Default { get; init; }

    /// <summary>The fixed <see cref="Default"/>, for a setting that has one; throws for one that has none.</summary>
    public long FixedDefault => Default ?? throw new InvalidOperationException($"{Name} has no fixed default.");

    /// <summary>The default when it depends on other settings, computed from the same variables (e.g. the decode budget from the memory).</summary>
    public Func<Func<string, string?>, long>? ComputedDefault { get; init; }

    /// <summary>The smallest value accepted.</summary>
    public long Min { get; init; } = 1;

    /// <summary>The largest value accepted.</summary>
    public long Max { get; init; } = long.MaxValue;

    /// <summary>How the default reads in the configuration table when it is not the literal <see cref="Default"/> (e.g. "2 × cores").</summary>
    public string? DefaultDescription { get; init; }

    /// <inheritdoc/>
    public override string DefaultText => DefaultDescription ?? Default?.ToString(CultureInfo.InvariantCulture) ?? "unset";

    /// <summary>
    /// The value of <paramref name="text"/> (the variable's content; null or blank when unset,
    /// then <see cref="Default"/>). Throws <see cref="InvalidOperationException"/> naming the
    /// variable and its bounds, or when it is unset and has no fixed default.
    /// </summary>
    public long Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return FixedDefault;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            throw new InvalidOperationException($"{Name} must be a whole number, not '{text}'.");
        return Check(value);
    }

    /// <summary>
    /// The value of the variable as <paramref name="read"/> returns it, or when it is unset its
    /// default, computed from the same variables where <see cref="ComputedDefault"/> says how;
    /// see <see cref="Parse"/>.
    /// </summary>
    public long Read(Func<string, string?> read) =>
        string.IsNullOrWhiteSpace(read(Name)) && ComputedDefault is { } compute ? compute(read) : Parse(read(Name));

    /// <summary>The value of the variable, or null when it is unset (for settings whose absence means something).</summary>
    public long? ReadOptional(Func<string, string?> read) =>
        string.IsNullOrWhiteSpace(read(Name)) ? null : Parse(read(Name));

    /// <summary>Returns <paramref name="value"/> when it is within bounds; throws naming the variable otherwise.</summary>
    public long Check(long value) =>
        value >= Min && value <= Max
            ? value
            : throw new InvalidOperationException($"{Name} must be between {Min} and {Max}, not {value}.");
}
