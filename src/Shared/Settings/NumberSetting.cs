using System.Globalization;

namespace Pipeline.Settings;

/// <summary>A whole-number setting with inclusive bounds; out-of-bounds or malformed values are refused at start.</summary>
public sealed record NumberSetting : Setting
{
    /// <summary>The value when the variable is unset.</summary>
    public required long Default { get; init; }

    /// <summary>The smallest value accepted.</summary>
    public long Min { get; init; } = 1;

    /// <summary>The largest value accepted.</summary>
    public long Max { get; init; } = long.MaxValue;

    /// <summary>How the default reads in the configuration table when it is not the literal <see cref="Default"/> (e.g. "2 × cores").</summary>
    public string? DefaultDescription { get; init; }

    /// <inheritdoc/>
    public override string DefaultText => DefaultDescription ?? Default.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The value of <paramref name="text"/> (the variable's content, null or blank when unset:
    /// then <paramref name="fallback"/>, else <see cref="Default"/>). Throws
    /// <see cref="InvalidOperationException"/> naming the variable and its bounds.
    /// </summary>
    public long Parse(string? text, long? fallback = null)
    {
        if (string.IsNullOrWhiteSpace(text))
            return fallback ?? Default;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            throw new InvalidOperationException($"{Name} must be a whole number, not '{text}'.");
        return Check(value);
    }

    /// <summary>The value of the variable as <paramref name="read"/> returns it; see <see cref="Parse"/>.</summary>
    public long Read(Func<string, string?> read, long? fallback = null) => Parse(read(Name), fallback);

    /// <summary>The value of the variable, or null when it is unset (for settings whose absence means something).</summary>
    public long? ReadOptional(Func<string, string?> read) =>
        string.IsNullOrWhiteSpace(read(Name)) ? null : Parse(read(Name));

    /// <summary>Returns <paramref name="value"/> when it is within bounds; throws naming the variable otherwise.</summary>
    public long Check(long value) =>
        value >= Min && value <= Max
            ? value
            : throw new InvalidOperationException($"{Name} must be between {Min} and {Max}, not {value}.");
}
