using System.Text;

namespace LDae.Harness.Execution;

/// <summary>Splits an option value such as --slurm-args="--time=1:00:00 --constraint='a b'" into words, as a POSIX shell would.</summary>
public static class ShellWords
{
    public static IReadOnlyList<string> Split(string text, string option)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        char quote = '\0';
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quote != '\0')
            {
                if (c == quote) quote = '\0';
                else if (c == '\\' && quote == '"' && i + 1 < text.Length && text[i + 1] is '"' or '\\') word.Append(text[++i]);
                else word.Append(c);
            }
            else if (c is '\'' or '"') { quote = c; inWord = true; }
            else if (c == '\\' && i + 1 < text.Length) { word.Append(text[++i]); inWord = true; }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
            }
            else { word.Append(c); inWord = true; }
        }
        if (quote != '\0') throw new BuildInputException($"{option}: unclosed {quote} in \"{text}\"");
        if (inWord) words.Add(word.ToString());
        return words;
    }
}
