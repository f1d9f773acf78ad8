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
            var tmp = $"{destination}.download-{Environment.ProcessId}-{Guid.NewGuid():N}";
            try
            {
                log?.WriteLine($"[data] downloading {url}");
                string actual;
                using (var response = Http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult())
                {
                    response.EnsureSuccessStatusCode();
                    using var body = response.Content.ReadAsStream();
                    using var output = File.Create(tmp);
                    using var hash = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
                    var buffer = new byte[1 << 16];
                    int n;
                    while ((n = body.Read(buffer)) > 0)
                    {
                        hash.AppendData(buffer, 0, n);
                        output.Write(buffer, 0, n);
                    }
                    output.Flush(flushToDisk: true);
                    actual = Convert.ToHexStringLower(hash.GetHashAndReset());
                }
                if (!string.Equals(actual, md5, StringComparison.OrdinalIgnoreCase))
                {
                    failures.Add($"{url}: MD5 {actual} does not match the published {md5}");
                    continue;
                }
                File.Move(tmp, destination, overwrite: true);
                return;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or UriFormatException
                                           or InvalidOperationException or NotSupportedException)
            {
                failures.Add($"{url}: {e.Message}");
            }
            finally
            {
                if (File.Exists(tmp)) File.Delete(tmp);
            }
        }
        throw new DatasetException(destination,
            $"missing, and downloading it failed ({string.Join("; ", failures)}). {howToGetIt}");
    }
}
