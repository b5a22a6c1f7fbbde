using System.Security.Cryptography;

namespace Pipeline.Jobs;

/// <summary>
/// A job id in ULID form: 26 Crockford base32 characters, the first 10 the creation time in
/// milliseconds, the rest 80 random bits. The embedded time lets GET /jobs/{id} tell a job
/// still waiting for its upload from an id that never existed, without any job table. An id
/// issued to an owner (an API key, a user) ends instead in 12 random characters and 4 that
/// depend on the owner (see <see cref="BelongsTo"/>), so that an id shown to another owner is
/// known to be none of theirs before any storage is read.
/// </summary>
public readonly record struct JobId(string Value)
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private const int OwnerTagChars = 4;

    /// <summary>When the id was issued.</summary>
    public DateTimeOffset CreatedAt => DateTimeOffset.FromUnixTimeMilliseconds(Milliseconds(Value));

    private static long Milliseconds(string value)
    {
        long ms = 0;
        foreach (var c in value.AsSpan(0, 10))
            ms = ms * 32 + Alphabet.IndexOf(c, StringComparison.Ordinal);
        return ms;
    }

    /// <summary>A new id stamped with <paramref name="now"/>, issued to <paramref name="owner"/> when there is one.</summary>
    public static JobId New(DateTimeOffset now, string? owner = null)
    {
        Span<char> chars = stackalloc char[26];
        long ms = now.ToUnixTimeMilliseconds();
        for (int i = 9; i >= 0; i--, ms /= 32)
            chars[i] = Alphabet[(int)(ms % 32)];
        Span<byte> random = stackalloc byte[16];
        RandomNumberGenerator.Fill(random);
        for (int i = 10; i < 26; i++)
            chars[i] = Alphabet[random[i - 10] % 32];
        if (owner is not null)
            OwnerTag(chars[..^OwnerTagChars], owner).AsSpan().CopyTo(chars[^OwnerTagChars..]);
        return new JobId(new string(chars));
    }

    /// <summary>
    /// True when the id may be <paramref name="owner"/>'s: it was issued to that owner, or
    /// <paramref name="owner"/> is null (a caller nothing identifies sees every id, as where no
    /// API keys are used). An id issued to another owner, or to none, is false for an owner, up
    /// to a chance of one in 2^20 (which still finds nothing: the owner's uploads lie apart, see
    /// <see cref="ObjectKeys.Upload"/>).
    /// </summary>
    public bool BelongsTo(string? owner) =>
        owner is null || OwnerTag(Value.AsSpan(0, Value.Length - OwnerTagChars), owner).AsSpan().SequenceEqual(Value.AsSpan(Value.Length - OwnerTagChars));

    private static string OwnerTag(ReadOnlySpan<char> issued, string owner)
    {
        var hash = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{owner}\n{issued}"));
        return string.Create(OwnerTagChars, hash, static (tag, hash) =>
        {
            for (int i = 0; i < tag.Length; i++)
                tag[i] = Alphabet[hash[i] % 32];
        });
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
