"""Ranking: the state-driven pipeline (retrieve, rerank, steer, diversify) and the hybrid fusion of
content with co-occurrence."""

from chatrec.ranking.pipeline import CANDIDATES, RankingPipeline, mmr, state_query

__all__ = ["CANDIDATES", "RankingPipeline", "mmr", "state_query"]
