using System.Text.Json;
using System.Text.Json.Serialization;
using LDae.Files;

namespace LDae.Data;

/// <summary>
/// The <see cref="DataDigest"/> of a dataset cache file, stored beside it (<c>&lt;cache&gt;.data-digest</c>, with its
/// SHA-256 beside it like every artifact: <see cref="VerifiedFile"/>), so a run reads the digest instead of hashing
/// the data again. It names the cache contents it was computed from (the SHA-256 the cache file ends with): a cache
/// rebuilt since, a digest file changed or without its SHA-256 is not used, and the digest is computed again.
/// </summary>
public static class CachedDataDigest
{
    public const string Suffix = ".data-digest";

    public static string PathOf(string cachePath) => cachePath + Suffix;

    /// <summary>The digest stored for the cache contents <paramref name="cacheSha256"/>; null when there is none usable.</summary>
    public static string? TryRead(string cachePath, string cacheSha256)
    {
        var path = PathOf(cachePath);
        if (!VerifiedFile.Check(path).Usable) return null;
        try
        {
            var record = JsonSerializer.Deserialize<Record>(File.ReadAllText(path), Json);
            return record is { DataDigest.Length: 64 } && record.CacheSha256 == cacheSha256 ? record.DataDigest : null;
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return null;
        }
    }

    public static void Write(string cachePath, string cacheSha256, string digest) =>
        VerifiedFile.WriteText(PathOf(cachePath), JsonSerializer.Serialize(new Record(digest, cacheSha256), Json) + "\n");

    sealed record Record(string DataDigest, string CacheSha256);

    static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };
}
