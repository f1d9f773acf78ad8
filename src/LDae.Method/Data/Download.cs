using LDae.Files;
using System.Net.Http;
using System.Security.Cryptography;

namespace LDae.Data;

/// <summary>
/// Fetches an official dataset file into the cache: tries each mirror in turn, streams to a temporary file
/// beside the destination, checks the published MD5, and only then renames it into place — so a file with
/// the final name is always complete and verified.
/// </summary>
public static class Download
{
    static readonly HttpClient Http = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(15) })
    {
        Timeout = TimeSpan.FromMinutes(10),
    };

    /// <summary>
    /// Downloads <paramref name="fileName"/> from the first working mirror (<c>mirror + fileName</c>) to
    /// <paramref name="destination"/>. On failure throws a <see cref="DatasetException"/> whose message lists
    /// every attempt and ends with <paramref name="howToGetIt"/>.
    /// </summary>
    public static void FileWithMd5(IReadOnlyList<string> mirrors, string fileName, string destination, string md5,
                                   string howToGetIt, TextWriter? log = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(destination))!);
        var failures = new List<string>();
        foreach (var mirror in mirrors)
        {
            var url = mirror.TrimEnd('/') + "/" + fileName;
            try
            {
                log?.WriteLine($"[data] downloading {url}");
                using var response = Http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult();
                response.EnsureSuccessStatusCode();
                using var body = response.Content.ReadAsStream();
                // The file takes its place only when its MD5 is the published one (a mismatch leaves nothing behind).
                AtomicFile.Write(destination, output => CopyWithMd5(body, output, md5, url));
                return;
            }
            catch (ChecksumMismatch e)
            {
                failures.Add(e.Message);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or UriFormatException
                                           or InvalidOperationException or NotSupportedException)
            {
                failures.Add($"{url}: {e.Message}");
            }
        }
        throw new DatasetException(destination,
            $"missing, and downloading it failed ({string.Join("; ", failures)}). {howToGetIt}");
    }

    static void CopyWithMd5(Stream body, Stream output, string md5, string url)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var buffer = new byte[1 << 16];
        for (int n; (n = body.Read(buffer)) > 0;)
        {
            hash.AppendData(buffer, 0, n);
            output.Write(buffer, 0, n);
        }
        var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
        if (!string.Equals(actual, md5, StringComparison.OrdinalIgnoreCase))
            throw new ChecksumMismatch($"{url}: MD5 {actual} does not match the published {md5}");
    }

    sealed class ChecksumMismatch(string message) : Exception(message);
}
