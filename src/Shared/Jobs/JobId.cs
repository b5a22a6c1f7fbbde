using System.Security.Cryptography;

namespace Pipeline.Jobs;

/// <summary>
/// A job id in ULID form: 26 Crockford base32 characters, the first 10 the creation time in
/// milliseconds, the rest 80 random bits. The embedded time lets GET /jobs/{id} tell a job
/// still waiting for its upload from an id that never existed, without any job table.
/// </summary>
public readonly record struct JobId(string Value)
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /// <summary>When the id was issued.</summary>
    public DateTimeOffset CreatedAt => DateTimeOffset.FromUnixTimeMilliseconds(Milliseconds(Value));

    private static long Milliseconds(string value)
    {
        long ms = 0;
        foreach (var c in value.AsSpan(0, 10))
            ms = ms * 32 + Alphabet.IndexOf(c, StringComparison.Ordinal);
        return ms;
    }

    /// <summary>A new id stamped with <paramref name="now"/>.</summary>
    public static JobId New(DateTimeOffset now)
    {
        Span<char> chars = stackalloc char[26];
        long ms = now.ToUnixTimeMilliseconds();
        for (int i = 9; i >= 0; i--, ms /= 32)
            chars[i] = Alphabet[(int)(ms % 32)];
        Span<byte> random = stackalloc byte[16];
        RandomNumberGenerator.Fill(random);
        for (int i = 10; i < 26; i++)
            chars[i] = Alphabet[random[i - 10] % 32];
        return new JobId(new string(chars));
    }

    /// <summary>Accepts exactly the ids <see cref="New"/> makes (upper-case Crockford, 26 characters).</summary>
    public static bool TryParse(string? text, out JobId id)
    {
        id = default;
        if (text is not { Length: 26 } || text[0] > '7') // 48-bit time: the first character is at most 7
            return false;
        foreach (var c in text)
        {
            if (!Alphabet.Contains(c, StringComparison.Ordinal))
                return false;
        }
        if (Milliseconds(text) > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
            return false; // a time no clock reaches: never issued
        id = new JobId(text);
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => Value;
}
