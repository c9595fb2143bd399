//! Runs of folded characters into tokens: a word run is one token, a CJK run is its
//! overlapping bigrams (or its single character). One pass, no backtracking; stops as soon
//! as the token limit is reached.

use std::hash::BuildHasher;
use std::ops::ControlFlow;

use hashbrown::{DefaultHashBuilder, HashTable};

use crate::MAX_TOKEN_LEN;
use crate::fold::{Class, classify, for_each_folded};

/// The distinct tokens of `text`, in first-occurrence order, at most `limit` of them, joined
/// by single spaces.
pub(crate) fn tokenise(text: &str, limit: usize) -> String {
    // Sized once: tokens are rarely longer than the text (only when folding expands it, as
    // `㍻` → `平成`), and a token with its separator takes a few bytes of it at least.
    let mut t = Tokeniser::new(limit, (text.len() / 4 + 4).min(limit));
    t.sink.out.reserve(text.len().min(64 * 1024));
    let flow = for_each_folded(text, |c| match t.push(c) {
        Flow::More => ControlFlow::Continue(()),
        Flow::Full => ControlFlow::Break(()),
    });
    if flow.is_continue() {
        t.finish();
    }
    t.sink.out
}

/// Whether tokenisation may go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    More,
    Full,
}

impl Flow {
    fn is_full(self) -> bool {
        self == Flow::Full
    }
}

/// Collects distinct tokens up to the limit, as one space-separated string (what both stores
/// index), each token stored once: the set of those seen holds their places in it.
#[derive(Debug)]
struct Sink {
    limit: usize,
    count: usize,
    out: String,
    /// `(start, end)` of each token in `out`.
    seen: HashTable<(usize, usize)>,
    hasher: DefaultHashBuilder,
}

impl Sink {
    fn emit(&mut self, token: &str) -> Flow {
        if self.count >= self.limit {
            return Flow::Full;
        }
        let hash = self.hasher.hash_one(token);
        let out = &self.out;
        if self
            .seen
            .find(hash, |&(a, b)| &out[a..b] == token)
            .is_none()
        {
            if !self.out.is_empty() {
                self.out.push(' ');
            }
            let start = self.out.len();
            self.out.push_str(token);
            let (out, hasher) = (&self.out, &self.hasher);
            self.seen
                .insert_unique(hash, (start, self.out.len()), |&(a, b)| {
                    hasher.hash_one(&out[a..b])
                });
            self.count += 1;
        }
        if self.count >= self.limit {
            Flow::Full
        } else {
            Flow::More
        }
    }
}

/// The open run (a word or a CJK run; never both) and the tokens so far.
#[derive(Debug)]
struct Tokeniser {
    sink: Sink,
    /// The open word run, truncated to `MAX_TOKEN_LEN` characters.
    word: String,
    /// Characters in `word` (those cut off not counted).
    word_chars: usize,
    /// The previous character of the open CJK run.
    cjk_prev: Option<char>,
    /// Whether the open CJK run has two characters or more (so its bigrams stand for it).
    cjk_long: bool,
    /// Scratch space for a bigram or a lone CJK character.
    cjk: String,
}

impl Tokeniser {
    /// A tokeniser keeping `limit` tokens, with room for `expected` before it grows.
    fn new(limit: usize, expected: usize) -> Self {
        Self {
            sink: Sink {
                limit,
                count: 0,
                out: String::new(),
                seen: HashTable::with_capacity(expected),
                hasher: DefaultHashBuilder::default(),
            },
            word: String::new(),
            word_chars: 0,
            cjk_prev: None,
            cjk_long: false,
            cjk: String::new(),
        }
    }

    fn push(&mut self, c: char) -> Flow {
        match classify(c) {
            Class::Word => {
                if self.end_cjk().is_full() {
                    return Flow::Full;
                }
                if self.word_chars < MAX_TOKEN_LEN {
                    self.word.push(c);
                    self.word_chars += 1;
                }
                Flow::More
            }
            Class::Cjk => {
                if self.end_word().is_full() {
                    return Flow::Full;
                }
                match self.cjk_prev.replace(c) {
                    Some(prev) => {
                        self.cjk_long = true;
                        self.cjk.clear();
                        self.cjk.push(prev);
                        self.cjk.push(c);
                        self.sink.emit(&self.cjk)
                    }
                    None => Flow::More,
                }
            }
            Class::Ignorable => Flow::More,
            Class::Separator => self.finish(),
        }
    }

    /// Ends whatever run is open.
    fn finish(&mut self) -> Flow {
        match self.end_word() {
            Flow::More => self.end_cjk(),
            Flow::Full => Flow::Full,
        }
    }

    fn end_word(&mut self) -> Flow {
        if self.word.is_empty() {
            return Flow::More;
        }
        let flow = self.sink.emit(&self.word);
        self.word.clear();
        self.word_chars = 0;
        flow
    }

    /// A CJK run of one character is a token by itself; a longer one has emitted its
    /// bigrams already.
    fn end_cjk(&mut self) -> Flow {
        let long = std::mem::replace(&mut self.cjk_long, false);
        match self.cjk_prev.take() {
            Some(c) if !long => {
                self.cjk.clear();
                self.cjk.push(c);
                self.sink.emit(&self.cjk)
            }
            _ => Flow::More,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        split(&tokenise(s, usize::MAX))
    }

    fn split(joined: &str) -> Vec<String> {
        joined.split_terminator(' ').map(str::to_owned).collect()
    }

    #[test]
    fn words_and_bigrams() {
        assert_eq!(toks("不正送金"), ["不正", "正送", "送金"]);
        assert_eq!(toks("金"), ["金"]);
        assert_eq!(toks("phishing詐欺"), ["phishing", "詐欺"]);
        assert_eq!(toks("2024年の被害"), ["2024", "年の", "の被", "被害"]);
        assert_eq!(toks("2024年 被害"), ["2024", "年", "被害"]);
        assert_eq!(toks("a.b/c@d-e_f"), ["a", "b", "c", "d", "e", "f"]);
        assert_eq!(toks("「詐欺」、詐欺。"), ["詐欺"]);
        assert_eq!(toks("中・韓"), ["中", "韓"]);
    }

    #[test]
    fn ignorables_do_not_split() {
        assert_eq!(toks("phish\u{AD}ing"), ["phishing"]);
        assert_eq!(toks("葛\u{E0100}城"), ["葛城"]);
    }

    #[test]
    fn limit_stops_early() {
        assert_eq!(tokenise("a b c d", 2), "a b");
        assert_eq!(tokenise("あいうえ", 2), "あい いう");
        assert_eq!(tokenise("a あ b", 2), "a あ");
        assert!(tokenise("a b", 0).is_empty());
    }

    #[test]
    fn long_words_are_truncated_by_chars() {
        let long = "é".repeat(MAX_TOKEN_LEN + 10);
        let t = toks(&long);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].chars().count(), MAX_TOKEN_LEN);
    }
}
