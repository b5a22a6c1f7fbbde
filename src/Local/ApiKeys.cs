using System.Security.Cryptography;
using System.Text;
using Pipeline.Settings;

namespace Pipeline.Local;

/// <summary>
/// The API keys the local gateway accepts, each with an id, as API Gateway's usage plan holds
/// them: one key (id <c>local</c>), or <c>id=key</c> entries separated by commas, one per client.
/// A key is compared in constant time; its id is what the gateway tells the function (<c>requestContext.identity.apiKeyId</c>).
/// </summary>
public sealed class ApiKeys
{
    /// <summary>The id of a key given alone, without <c>id=</c>.</summary>
    public const string SingleKeyId = "local";

    private readonly IReadOnlyList<(string Id, byte[] Key)> _keys;

    private ApiKeys(IReadOnlyList<(string Id, byte[] Key)> keys)
    {
        _keys = keys;
    }

    /// <summary>The keys' ids, in the order given.</summary>
    public IEnumerable<string> Ids => _keys.Select(k => k.Id);

    /// <summary>
    /// Reads <see cref="PipelineSettings.ApiKey"/>; null when unset (no key needed). Throws
    /// <see cref="InvalidOperationException"/> naming the setting for a short key, a bad or
    /// repeated id, or a key given twice.
    /// </summary>
    public static ApiKeys? FromEnvironment(Func<string, string?> read) => Parse(PipelineSettings.ApiKey.Read(read));

    /// <summary>Parses the setting's value; see <see cref="FromEnvironment"/>.</summary>
    public static ApiKeys? Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
            return null;
        var name = PipelineSettings.ApiKey.Name;
        var keys = new List<(string Id, byte[] Key)>();
        var entries = text.Split(',', StringSplitOptions.TrimEntries);
        foreach (var entry in entries)
        {
            int equals = entry.IndexOf('=', StringComparison.Ordinal);
            var (id, key) = entries.Length == 1 && equals < 0 ? (SingleKeyId, entry) : (entry[..Math.Max(equals, 0)], entry[(equals + 1)..]);
            if (id.Length is 0 or > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
                throw new InvalidOperationException($"{name}: one key alone, or id=key entries separated by commas, each id of letters, digits and '-' (at most 64 characters).");
            if (key.Length < PipelineSettings.ApiKey.MinLength)
                throw new InvalidOperationException($"{name}: the key of {id} must be at least {PipelineSettings.ApiKey.MinLength} characters.");
            if (keys.Any(k => k.Id == id))
                throw new InvalidOperationException($"{name}: the id {id} is given twice.");
            var bytes = Encoding.UTF8.GetBytes(key);
            if (keys.Any(k => k.Key.AsSpan().SequenceEqual(bytes)))
                throw new InvalidOperationException($"{name}: the key of {id} is another id's key too.");
            keys.Add((id, bytes));
        }
        return new ApiKeys(keys);
    }

    /// <summary>The id of <paramref name="presented"/>, or null when it is none of the keys (or missing).</summary>
    public string? IdOf(string? presented)
    {
        if (string.IsNullOrEmpty(presented))
            return null;
        var bytes = Encoding.UTF8.GetBytes(presented);
        string? found = null;
        foreach (var (id, key) in _keys)
        {
            // Every key is compared, so the time taken does not tell which one matched.
            if (CryptographicOperations.FixedTimeEquals(bytes, key))
                found = id;
        }
        return found;
    }
}
