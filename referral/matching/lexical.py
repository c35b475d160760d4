"""Per-language tokenisation of free text into weighted features, for reading needs and searching.

This module owns text normalisation for reading (NFKC, casefold, common traditional characters to
simplified), Chinese word segmentation (jieba, HMM off, with a user dictionary of the domain's own
words) and English stemming (Snowball, with a small stopword list). It must depend only on the
standard library, jieba and snowballstemmer: no knowledge of needs, services or scoring.

Features of a text, each with its character span in the normalised text:

* Chinese: jieba words of two characters or more, in search mode (a long word also yields the
  dictionary words inside it: "吃安眠药" meets "安眠药"), and every character bigram of a Chinese run
  prefixed "~" (so "外地打工" still meets "外省打工" through "打工"); single characters are never
  features: one shared character is not meaning;
* other scripts: Snowball stems of the words (stopwords dropped), and stem bigrams "a b".

jieba loads its 350k-word dictionary once per process (about a second) into a base tokenizer; each
``Tokeniser`` copies it and adds its own words, so building one costs milliseconds. jieba's cache
file goes to the system temporary directory only; its logging is silenced.
"""

from __future__ import annotations

import functools
import logging
import re
import tempfile
import threading
import unicodedata
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import snowballstemmer

with warnings.catch_warnings():
    # jieba 0.42 reads its dictionary through pkg_resources when setuptools is installed (deprecated
    # loudly by newer setuptools) and its source has old-style regex escapes: neither is ours to fix.
    warnings.filterwarnings("ignore", message=".*pkg_resources.*")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=SyntaxWarning)
    import jieba

_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[^\W_\u3400-\u9fff\uf900-\ufaff]+")  # words of spaced scripts, even inside Chinese ("疑似adhd")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

# Common traditional characters and their simplified forms (a look-alike fold, not a converter).
_TRAD = (
    "閉術礙鬧嗎聽説講讓誰還沒應該實際頭腦臉腳聲錢買賣飯餓喫睏覺夢歡喪傷殺罰責報險護顧爺媽孫親婦嬰園學師課業績級絕經緒憂鬱慮緊"
    "張懼煩惱氣罵遺棄離養撫監權僱職貧難幫補貼資費務診療醫藥癥殘輪聾啞視訓練語說話遲緩發動專過網遊戲癮機竊蹺輟歲個們來時後對會"
    "問題愛兒與為處長開關這裡電書車門見進運邊麼從無現點種體總幾樂寫讀導擔飲區縣鎮鄉蘇聯絡憤傾壞懷訴姦褻負獨譜係環適隨遷農單頻"
    "團強憶驚嚇懶厭營鏡戀軍隊屬義習測評篩檢漢韓齡衛隱緣靜擾鬥毆搶瘋齒結協調統觸熱勵獎貸錄證劃輔齊顯號擇將舊歸鄰駡週"
)
_SIMP = (
    "闭术碍闹吗听说讲让谁还没应该实际头脑脸脚声钱买卖饭饿吃困觉梦欢丧伤杀罚责报险护顾爷妈孙亲妇婴园学师课业绩级绝经绪忧郁虑紧"
    "张惧烦恼气骂遗弃离养抚监权雇职贫难帮补贴资费务诊疗医药症残轮聋哑视训练语说话迟缓发动专过网游戏瘾机窃跷辍岁个们来时后对会"
    "问题爱儿与为处长开关这里电书车门见进运边么从无现点种体总几乐写读导担饮区县镇乡苏联络愤倾坏怀诉奸亵负独谱系环适随迁农单频"
    "团强忆惊吓懒厌营镜恋军队属义习测评筛检汉韩龄卫隐缘静扰斗殴抢疯齿结协调统触热励奖贷录证划辅齐显号择将旧归邻骂周"
)
_FOLD = str.maketrans(_TRAD, _SIMP)
TRADITIONAL_FOLD = _FOLD  # for other readers of the same texts (risktext.py)
_CONTRACTIONS = (
    (re.compile(r"\bwon['’]t\b"), "will not"),
    (re.compile(r"\bcan['’]t\b"), "can not"),
    (re.compile(r"\bcannot\b"), "can not"),
    (re.compile(r"n['’]t\b"), " not"),
    (re.compile(r"['’](s|re|ve|ll|d|m)\b"), ""),
)

MAX_WORD = 4  # longer domain phrases would swallow a negation cue ("没/有自伤行为"): kept as features, not words
STOPWORDS: frozenset[str] = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "with",
        "and",
        "or",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "has",
        "have",
        "had",
        "do",
        "does",
        "did",
        "he",
        "she",
        "it",
        "they",
        "him",
        "her",
        "his",
        "its",
        "their",
        "them",
        "we",
        "our",
        "us",
        "you",
        "your",
        "i",
        "me",
        "my",
        "this",
        "that",
        "these",
        "those",
        "there",
        "so",
        "very",
        "really",
        "just",
        "also",
        "too",
        "as",
        "by",
        "from",
        "about",
        "into",
        "than",
        "then",
        "which",
        "who",
        "whom",
        "what",
        "when",
        "where",
        "how",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "some",
        "any",
        "all",
        "more",
        "most",
        "much",
        "many",
        "lot",
        "lots",
        "during",
        "while",
        "because",
        "if",
    ]
)
# Words too common in how people describe any situation to carry a reading alone (they still count
# toward the fit): who ("孩子", "parents"), where ("家里", "school"), when, and reporting verbs.
WEAK_WORDS = {
    "en": [
        "child",
        "children",
        "kid",
        "kids",
        "boy",
        "girl",
        "son",
        "daughter",
        "baby",
        "parent",
        "parents",
        "mother",
        "father",
        "mum",
        "mom",
        "dad",
        "family",
        "home",
        "school",
        "teacher",
        "class",
        "student",
        "says",
        "said",
        "say",
        "tells",
        "told",
        "need",
        "needs",
        "want",
        "wants",
        "get",
        "gets",
        "stay",
        "stays",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "year",
        "years",
        "night",
        "time",
        "every",
        "always",
        "often",
        "usually",
        "lot",
        "help",
        "old",
        "young",
        "age",
        "aged",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "everything",
        "something",
        "anything",
        "nothing",
        "thing",
        "things",
        "over",
        "down",
        "up",
        "out",
        "since",
        "after",
        "before",
        "keeps",
        "keep",
        "saw",
        "see",
        "seen",
        "came",
        "come",
        "arrive",
        "arrives",
        "go",
        "goes",
        "going",
        "went",
        "take",
        "takes",
        "took",
        "make",
        "makes",
        "made",
        "summer",
        "winter",
        "morning",
        "mornings",
        "evening",
        "evenings",
        "room",
        "house",
        "people",
        "person",
        "friend",
        "friends",
        "other",
        "others",
        "break",
        "broke",
        "breaking",
        "put",
        "putting",
        "pay",
        "paid",
        "no",
        "not",
        "longer",
        "use",
        "uses",
        "used",
        "fit",
        "fits",
        "able",
        "unable",
        "visit",
        "visits",
        "attend",
        "attends",
        "attending",
        "regular",
        "regularly",
        "concern",
        "concerns",
        "report",
        "reports",
        "reported",
        "client",
        "suspected",
        "possible",
        "possibly",
        "referred",
        "referral",
        "work",
        "works",
        "working",
        "worked",
        "note",
        "notes",
        "case",
        "average",
        "last",
        "next",
        "really",
        "quite",
        "bit",
        "little",
        "group",
        "groups",
        "only",
        "session",
        "sessions",
        "programme",
        "program",
    ],
    "zh": [
        "孩子",
        "小孩",
        "儿子",
        "女儿",
        "宝宝",
        "儿童",
        "学生",
        "家长",
        "父母",
        "爸爸",
        "妈妈",
        "爸妈",
        "家里",
        "家人",
        "学校",
        "老师",
        "同学",
        "班上",
        "经常",
        "总是",
        "一直",
        "有点",
        "问题",
        "需要",
        "现在",
        "最近",
        "每天",
        "天天",
        "时候",
        "不会",
        "没有",
        "觉得",
        "说",
        "想",
        "有",
        "很",
        "情况",
        "帮助",
        "心里",
        "晚上",
        "早上",
        "房间",
        "房间里",
        "年级",
        "什么",
        "东西",
        "事情",
        "平时",
        "经常性",
        "常常",
        "一个",
        "自己",
        "别人",
        "大家",
        "我们",
        "他们",
        "知道",
        "发现",
        "反映",
        "表示",
        "告诉",
        "看到",
        "听到",
        "出现",
        "感觉",
        "可能",
        "应该",
        "家访",
        "情况",
        "生活",
        "关系",
        "一般",
        "中等",
        "正常",
        "疑似",
        "建议",
        "就诊",
        "案主",
        "服务对象",
        "目前",
        "存在",
        "表现",
        "动不动",
        "动不动就",
        "一提",
        "就是",
        "说自己",
        "整天",
        "啥",
        "比较",
        "一点",
        "有些",
        "一些",
        "非常",
        "特别",
        "老是",
        "还是",
        "方面",
        "很多",
        "多少",
        "之后",
        "以后",
        "以前",
    ],
}
_ZH_STOP = frozenset(
    [
        "的",
        "了",
        "是",
        "在",
        "有",
        "就",
        "都",
        "也",
        "和",
        "与",
        "跟",
        "很",
        "还",
        "又",
        "被",
        "把",
        "让",
        "给",
        "着",
        "过",
        "吗",
        "呢",
        "吧",
        "啊",
        "呀",
        "嘛",
        "么",
    ]
)


def normalise(text: str) -> str:
    """NFKC, casefold, look-alike traditional characters folded to simplified, contractions opened."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_FOLD)
    for pattern, repl in _CONTRACTIONS:
        text = pattern.sub(repl, text)
    return text


@dataclass(frozen=True, slots=True)
class Feature:
    """One feature of a text and where it was found (character span in the normalised text)."""

    key: str
    start: int
    end: int
    surface: str  # the words as written (normalised), for "matched"
    fuzzy: bool = False  # read as the closest indexed word (a typo)


@functools.lru_cache(maxsize=1)
def _base() -> jieba.Tokenizer:
    """jieba's dictionary, loaded once per process."""
    jieba.setLogLevel(logging.WARNING)
    logging.getLogger("jieba").setLevel(logging.WARNING)
    base = jieba.Tokenizer()
    base.tmp_dir = tempfile.gettempdir()
    base.initialize()
    return base


_BASE_LOCK = threading.Lock()


class Tokeniser:
    """Text to features; Chinese words of the domain (``words``) are never split."""

    def __init__(self, words: Iterable[str] = ()):
        with _BASE_LOCK:
            base = _base()
            self._jieba = jieba.Tokenizer()
            self._jieba.FREQ, self._jieba.total = dict(base.FREQ), base.total
            self._jieba.initialized = True
        self._stemmer = snowballstemmer.stemmer("english")
        for word in sorted({normalise(w).strip() for w in words}):
            if 2 <= len(word) <= MAX_WORD and _CJK_RUN.fullmatch(word):
                self._jieba.add_word(word, max(self._jieba.FREQ.get(word, 0), 2000))
        self._stems: dict[str, str] = {}

    def features(self, text: str) -> list[Feature]:
        """Every feature of an already ``normalise``d text, in text order."""
        found: list[Feature] = []
        for run in _CJK_RUN.finditer(text):
            found.extend(self._chinese(run.group(), run.start()))
        found.extend(self._spaced(text))
        found.sort(key=lambda f: (f.start, f.end))
        return found

    def stem(self, word: str) -> str:
        """The Snowball stem of a lower-case word (cached)."""
        stem = self._stems.get(word)
        if stem is None:
            stem = self._stems[word] = self._stemmer.stemWord(word)
        return stem

    def _chinese(self, run: str, offset: int) -> Iterable[Feature]:
        for word, start, end in self._jieba.tokenize(run, mode="search", HMM=False):
            if len(word) >= 2 and word not in _ZH_STOP:
                yield Feature(word, offset + start, offset + end, word)
        for i in range(len(run) - 1):
            gram = run[i : i + 2]
            if gram[0] not in _ZH_STOP or gram[1] not in _ZH_STOP:
                yield Feature("~" + gram, offset + i, offset + i + 2, gram)

    def _spaced(self, text: str) -> Iterable[Feature]:
        words = list(_WORD.finditer(text))
        kept = [(m, self.stem(m.group())) for m in words if m.group() not in STOPWORDS and len(m.group()) > 1]
        for m, stem in kept:
            yield Feature(stem, m.start(), m.end(), m.group())
        for (a, sa), (b, sb) in zip(kept, kept[1:]):
            yield Feature(f"{sa} {sb}", a.start(), b.end(), f"{a.group()} {b.group()}")


@functools.lru_cache(maxsize=4)
def tokeniser_for(words: frozenset[str]) -> Tokeniser:
    """A shared tokeniser per set of domain words (a jieba dictionary copy costs ~15 MB): the match
    index and directory search of one taxonomy use one."""
    return Tokeniser(words)


def is_cjk(text: str) -> bool:
    """Whether the text holds any CJK ideograph."""
    return bool(_CJK.search(text))
