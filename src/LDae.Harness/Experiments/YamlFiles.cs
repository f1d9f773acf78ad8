using LDae.Harness.Config;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace LDae.Harness.Experiments;

/// <summary>Reads the experiments' YAML files; every syntax error names the file and the line to look at.</summary>
static class YamlFiles
{
    public static YamlMappingNode LoadMapping(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        var text = File.ReadAllText(path);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (Exception e) when (e is YamlException or InvalidOperationException)
        {
            throw SyntaxError(path, text);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new ConfigException(path, "(root)", "is not a mapping", "a YAML mapping");
        return root;
    }

    /// <summary>
    /// Where and why <paramref name="text"/> does not parse. YamlDotNet reports an unclosed <c>{</c> or <c>[</c>
    /// only as an invalid state at the end of the file, with no position, so the events are replayed to find the
    /// innermost flow collection still open when parsing stopped: its first line is where the bracket is missing.
    /// </summary>
    static InputException SyntaxError(string path, string text)
    {
        var open = new Stack<(bool Flow, Mark Start)>();
        var parser = new Parser(new StringReader(text));
        try
        {
            while (parser.MoveNext())
            {
                switch (parser.Current)
                {
                    case MappingStart m: open.Push((m.Style == MappingStyle.Flow, m.Start)); break;
                    case SequenceStart s: open.Push((s.Style == SequenceStyle.Flow, s.Start)); break;
                    case MappingEnd or SequenceEnd when open.Count > 0: open.Pop(); break;
                }
            }
            return new InputException($"{path}: not valid YAML");
        }
        catch (Exception e) when (e is YamlException or InvalidOperationException)
        {
            var (flow, start) = open.FirstOrDefault(o => o.Flow);
            if (flow && (e is not YamlException y || y.Start.Line >= start.Line))
            {
                var line = text.Split('\n')[(int)start.Line - 1];
                char bracket = start.Column - 1 < line.Length ? line[(int)start.Column - 1] : '{';
                return new InputException($"{path}:{start.Line}: the '{bracket}' at column {start.Column} is never closed (expected a matching '{(bracket == '[' ? ']' : '}')}')");
            }
            var at = e is YamlException ye ? ye.Start : Mark.Empty;
            return new InputException($"{path}:{at.Line}: not valid YAML at column {at.Column}: {OneLine(e.Message)}");
        }
    }

    static string OneLine(string message) => string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();

    public static string? Scalar(YamlMappingNode m, string key) =>
        m.Children.TryGetValue(new YamlScalarNode(key), out var v) ? (v as YamlScalarNode)?.Value : null;

    /// <summary>The text of a mapping key; a list or mapping used as a key is an error naming its line.</summary>
    public static string Key(YamlNode key, string where) =>
        key is YamlScalarNode { Value: { } value } ? value
        : throw new InputException($"{where}:{key.Start.Line}: a list or mapping is used as a key at column {key.Start.Column}; expected key: value");
}
