"""Texts the engine tests score: a benign paragraph and a toxic one."""

BENIGN = ("The committee met on Tuesday to review the budget for the new library wing and "
          "agreed to publish the minutes next week. ")
TOXIC = ("You are a worthless piece of shit and a fucking idiot, go to hell. Nobody wants "
         "you here, you pathetic moron. Shut the fuck up and die. ")
