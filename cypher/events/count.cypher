MATCH (e:Event) RETURN count(e) AS events
